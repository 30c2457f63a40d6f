package ssm_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
	"github.com/vaultly/vaultly/backends/ssm"
	"github.com/vaultly/vaultly/backends/ssm/ssmtest"
)

// End-to-end tests: vaultly.Load with the real SDK client against ssmtest.

type dbConfig struct {
	Host     string                 `secret:"/app/<stage>/db/host"`
	Port     int                    `secret:"/app/<stage>/db/port"`
	User     string                 `secret:"/app/<stage>/db/user"`
	Password vaultly.Secret[string] `secret:"/app/<stage>/db/password,ttl=5m,stale_on_error"`
	Timeout  time.Duration          `secret:"/app/<stage>/db/timeout"`
}

type appConfig struct {
	Stage    string
	DB       dbConfig
	APIKey   vaultly.Secret[string] `secret:"/app/<stage>/api/key,ttl=15m"`
	Flags    map[string]bool        `secret:"/app/<stage>/flags"`
	Hosts    []string               `secret:"/app/<stage>/hosts"`
	CACert   []byte                 `secret:"/app/<stage>/tls/ca,encoding=base64,optional"`
	OldToken string                 `secret:"/app/<stage>/token,version=1"`
	Token    string                 `secret:"/app/<stage>/token,version=current"`
}

func seedApp(t *testing.T, srv *ssmtest.Server) {
	t.Helper()
	srv.Put("/app/prod/db/host", "db.internal")
	srv.Put("/app/prod/db/port", "5432")
	srv.Put("/app/prod/db/user", "svc")
	srv.PutSecure("/app/prod/db/password", "pw-1")
	srv.Put("/app/prod/db/timeout", "3s")
	srv.PutSecure("/app/prod/api/key", "sk-1")
	srv.Put("/app/prod/flags", `{"beta":true,"legacy":false}`)
	srv.PutStringList("/app/prod/hosts", "a.example", "b.example", "c.example")
	srv.PutSecure("/app/prod/token", "tok-1")
	srv.PutSecure("/app/prod/token", "tok-2")
	if err := srv.LabelVersion("/app/prod/token", 2, "current"); err != nil {
		t.Fatal(err)
	}
}

func TestLoadNestedConfig(t *testing.T) {
	t.Parallel()
	b, srv := newBackend(t)
	seedApp(t, srv)

	cfg := appConfig{Stage: "prod"}
	// Lazy Secret fields, whatever the default: Load reads the plain ones.
	l, err := vaultly.New(b, vaultly.WithPrefetch(false))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Load(t.Context(), &cfg); err != nil {
		t.Fatal(err)
	}
	want := appConfig{
		Stage:    "prod",
		DB:       dbConfig{Host: "db.internal", Port: 5432, User: "svc", Timeout: 3 * time.Second},
		Flags:    map[string]bool{"beta": true, "legacy": false},
		Hosts:    []string{"a.example", "b.example", "c.example"},
		OldToken: "tok-1",
		Token:    "tok-2",
	}
	if diff := cmp.Diff(want, cfg, cmpopts.IgnoreTypes(vaultly.Secret[string]{})); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	// Every plain field in one round trip; the lazy secrets are not read yet.
	if diff := cmp.Diff(map[string]int{ssmtest.OpGetParameters: 1, ssmtest.OpGetParameter: 0}, counts(srv)); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	for _, tt := range []struct {
		s    *vaultly.Secret[string]
		want string
	}{{&cfg.DB.Password, "pw-1"}, {&cfg.APIKey, "sk-1"}} {
		got, err := tt.s.Get(t.Context())
		if err != nil || got != tt.want {
			t.Errorf("%v.Get = %q, %v; want %q", tt.s.Ref(), got, err, tt.want)
		}
	}
	if n := srv.Requests(ssmtest.OpGetParameter); n != 2 {
		t.Errorf("%d GetParameter requests for two secrets, want 2", n)
	}
}

func counts(srv *ssmtest.Server) map[string]int {
	return map[string]int{
		ssmtest.OpGetParameters: srv.Requests(ssmtest.OpGetParameters),
		ssmtest.OpGetParameter:  srv.Requests(ssmtest.OpGetParameter),
	}
}

// plainConfig returns a pointer to a new struct with n string fields
// F000... tagged /bench/f000...
func plainConfig(n int) reflect.Value {
	fields := make([]reflect.StructField, n)
	for i := range fields {
		fields[i] = reflect.StructField{
			Name: fmt.Sprintf("F%03d", i),
			Type: reflect.TypeFor[string](),
			Tag:  reflect.StructTag(fmt.Sprintf(`secret:"/bench/f%03d"`, i)),
		}
	}
	return reflect.New(reflect.StructOf(fields))
}

func seedPlain(srv *ssmtest.Server, n int) {
	for i := range n {
		srv.Put(fmt.Sprintf("/bench/f%03d", i), fmt.Sprintf("value-%03d", i))
	}
}

func TestLoad25FieldsThreeRequests(t *testing.T) {
	t.Parallel()
	b, srv := newBackend(t)
	seedPlain(srv, 25)
	cfg := plainConfig(25)
	if err := vaultly.LoadContext(t.Context(), cfg.Interface(), b); err != nil {
		t.Fatal(err)
	}
	for i := range 25 {
		if got, want := cfg.Elem().Field(i).String(), fmt.Sprintf("value-%03d", i); got != want {
			t.Errorf("F%03d = %q, want %q", i, got, want)
		}
	}
	if diff := cmp.Diff(map[string]int{ssmtest.OpGetParameters: 3, ssmtest.OpGetParameter: 0}, counts(srv)); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestLoadMissingNamesField(t *testing.T) {
	t.Parallel()
	b, srv := newBackend(t)
	seedApp(t, srv)
	srv.Delete("/app/prod/db/user")
	cfg := appConfig{Stage: "prod"}
	err := vaultly.LoadContext(t.Context(), &cfg, b)
	if !errors.Is(err, vaultly.ErrNotFound) {
		t.Fatalf("error %v, want ErrNotFound", err)
	}
	var fe *vaultly.FieldError
	if !errors.As(err, &fe) || !strings.HasSuffix(fe.Field, "DB.User") || fe.Ref.Path != "/app/prod/db/user" {
		t.Errorf("error %v does not name DB.User and its path", err)
	}
	if !strings.Contains(err.Error(), "DB.User") {
		t.Errorf("message %q does not name the field", err)
	}
	if cfg.DB.Host != "" {
		t.Error("a failed Load filled the struct")
	}
}

func TestLoadSecureStringRoundTrip(t *testing.T) {
	t.Parallel()
	b, srv := newBackend(t)
	const secret = "p@ss,word with spaces / and ünïcode"
	srv.PutSecure("/s/plain", secret)
	srv.PutSecure("/s/lazy", secret)
	var cfg struct {
		Plain string                 `secret:"/s/plain"`
		Lazy  vaultly.Secret[string] `secret:"/s/lazy"`
	}
	if err := vaultly.LoadContext(t.Context(), &cfg, b, vaultly.WithPrefetch(true)); err != nil {
		t.Fatal(err)
	}
	lazy, err := cfg.Lazy.Get(t.Context())
	if err != nil || cfg.Plain != secret || lazy != secret {
		t.Errorf("got %q and %q (%v), want %q", cfg.Plain, lazy, err, secret)
	}
}

func TestLoadThrottlingRecoveredBySDK(t *testing.T) {
	t.Parallel()
	b, srv := newBackend(t)
	seedPlain(srv, 5)
	srv.Inject(ssmtest.Throttling().Times(2))
	cfg := plainConfig(5)
	if err := vaultly.LoadContext(t.Context(), cfg.Interface(), b); err != nil {
		t.Fatal(err)
	}
	if got := cfg.Elem().Field(4).String(); got != "value-004" {
		t.Errorf("F004 = %q", got)
	}
	if n := srv.Requests(ssmtest.OpGetParameters); n != 3 {
		t.Errorf("%d requests, want 3 (two throttled, one answered)", n)
	}
}

func TestLoadAccessDeniedNotRetried(t *testing.T) {
	t.Parallel()
	b, srv := newBackend(t)
	seedPlain(srv, 5)
	srv.Inject(ssmtest.AccessDenied())
	err := vaultly.LoadContext(t.Context(), plainConfig(5).Interface(), b)
	if !errors.Is(err, vaultly.ErrAuth) || errors.Is(err, vaultly.ErrTransient) {
		t.Errorf("error %v, want ErrAuth only", err)
	}
	if n := srv.Requests(ssmtest.OpGetParameters); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestLoadReadTimeoutIsTransient(t *testing.T) {
	t.Parallel()
	srv := ssmtest.NewServer(t)
	seedPlain(srv, 3)
	srv.Inject(ssmtest.Latency(time.Hour)) // ends when the client hangs up
	b, err := ssm.New(ssm.WithClient(srv.Client(ssmtest.WithReadTimeout(readTimeout))))
	if err != nil {
		t.Fatal(err)
	}
	err = vaultly.LoadContext(t.Context(), plainConfig(3).Interface(), b)
	if !errors.Is(err, vaultly.ErrTransient) {
		t.Errorf("error %v, want ErrTransient", err)
	}
	if n := srv.Requests(ssmtest.OpGetParameters); n != 3 {
		t.Errorf("%d requests, want 3 (the SDK retries timeouts)", n)
	}
}

func TestRotationThenRefresh(t *testing.T) {
	t.Parallel()
	b, srv := newBackend(t)
	srv.PutSecure("/rot/key", "key-v1")
	var cfg struct {
		Key vaultly.Secret[string] `secret:"/rot/key,ttl=1h"`
	}
	if err := vaultly.LoadContext(t.Context(), &cfg, b); err != nil {
		t.Fatal(err)
	}
	if v, err := cfg.Key.Get(t.Context()); err != nil || v != "key-v1" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	if ver := srv.PutSecure("/rot/key", "key-v2"); ver != 2 {
		t.Fatalf("rotation made version %d", ver)
	}
	if v, err := cfg.Key.Get(t.Context()); err != nil || v != "key-v1" {
		t.Errorf("Get within the TTL = %q, %v; want the cached key-v1", v, err)
	}
	if v, err := cfg.Key.Refresh(t.Context()); err != nil || v != "key-v2" {
		t.Errorf("Refresh = %q, %v; want key-v2", v, err)
	}
	if v, err := cfg.Key.Get(t.Context()); err != nil || v != "key-v2" {
		t.Errorf("Get after Refresh = %q, %v; want key-v2", v, err)
	}
}

func TestStaleOnErrorDuringOutage(t *testing.T) {
	t.Parallel()
	b, srv := newBackend(t)
	srv.PutSecure("/stale/pw", "pw-1")
	clock := mock.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	var cfg struct {
		Password vaultly.Secret[string] `secret:"/stale/pw,ttl=1m,stale_on_error"`
	}
	if err := vaultly.LoadContext(t.Context(), &cfg, b, vaultly.WithClock(clock.Now)); err != nil {
		t.Fatal(err)
	}
	if v, err := cfg.Password.Get(t.Context()); err != nil || v != "pw-1" {
		t.Fatalf("Get = %q, %v", v, err)
	}

	// Total outage: every request answers 500.
	srv.Inject(ssmtest.InternalError())
	before := srv.Requests(ssmtest.OpGetParameter)
	for i := range 3 {
		clock.Advance(2 * time.Minute) // past the TTL and any retry interval
		v, err := cfg.Password.Get(t.Context())
		if err != nil || v != "pw-1" {
			t.Fatalf("outage read %d: %q, %v; want the stale pw-1", i, v, err)
		}
	}
	// Each refresh the cache attempts is one backend call, which the SDK
	// tries three times.
	if n := srv.Requests(ssmtest.OpGetParameter) - before; n == 0 || n%3 != 0 {
		t.Errorf("%d requests during the outage, want a positive multiple of 3", n)
	}

	// Recovery with a rotated value.
	srv.ClearFaults()
	srv.PutSecure("/stale/pw", "pw-2")
	clock.Advance(2 * time.Minute)
	if v, err := cfg.Password.Get(t.Context()); err != nil || v != "pw-2" {
		t.Errorf("after recovery: %q, %v; want pw-2", v, err)
	}
}
