package vault_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

// newClock is a settable clock for vaultly.WithClock.
func newClock() *mock.Clock { return mock.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) }

type appConfig struct {
	Stage    string
	DB       dbConfig
	Features map[string]bool        `secret:"/app/<stage>/features"`
	Limits   map[string]any         `secret:"/app/<stage>/service:limits"`
	Hosts    []string               `secret:"/app/<stage>/service:hosts"`
	Timeout  time.Duration          `secret:"/app/<stage>/service:timeout"`
	APIKey   vaultly.Secret[string] `secret:"/app/<stage>/service:api_key,ttl=15m"`
}

type dbConfig struct {
	User     string                 `secret:"/app/<stage>/db:user"`
	Password vaultly.Secret[string] `secret:"/app/<stage>/db:password,ttl=5m,stale_on_error"`
	Port     int                    `secret:"/app/<stage>/db:port"`
	SSL      bool                   `secret:"/app/<stage>/db:ssl"`
	MaxConns uint16                 `secret:"/app/<stage>/db:max_conns"`
	Ratio    float64                `secret:"/app/<stage>/db:ratio"`
}

func putAppConfig(srv *vaulttest.Server) {
	srv.Put("app/prod/db", map[string]any{
		"user": "app", "password": "pw-1", "port": 5432, "ssl": true, "max_conns": 40, "ratio": 0.75,
	})
	srv.Put("app/prod/features", map[string]any{"value": map[string]any{"beta": true, "new_ui": false}})
	srv.Put("app/prod/service", map[string]any{
		"limits":  map[string]any{"rps": 100, "burst": 20},
		"hosts":   []any{"a.example", "b.example"},
		"timeout": "3s",
		"api_key": "k-123",
	})
}

func TestLoadNestedConfig(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	putAppConfig(srv)
	b := newBackend(t, srv)

	cfg := appConfig{Stage: "prod"}
	if err := vaultly.Load(&cfg, b, vaultly.WithPrefetch(true)); err != nil {
		t.Fatalf("Load: %v", err)
	}
	got := map[string]any{
		"user": cfg.DB.User, "port": cfg.DB.Port, "ssl": cfg.DB.SSL, "max_conns": cfg.DB.MaxConns,
		"ratio": cfg.DB.Ratio, "features": cfg.Features, "limits": cfg.Limits, "hosts": cfg.Hosts,
		"timeout": cfg.Timeout,
	}
	want := map[string]any{
		"user": "app", "port": 5432, "ssl": true, "max_conns": uint16(40), "ratio": 0.75,
		"features": map[string]bool{"beta": true, "new_ui": false},
		"limits":   map[string]any{"rps": float64(100), "burst": float64(20)},
		"hosts":    []string{"a.example", "b.example"}, "timeout": 3 * time.Second,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	ctx := context.Background()
	if pw, err := cfg.DB.Password.Get(ctx); err != nil || pw != "pw-1" {
		t.Errorf("Password.Get = %q, %v", pw, err)
	}
	if k, err := cfg.APIKey.Get(ctx); err != nil || k != "k-123" {
		t.Errorf("APIKey.Get = %q, %v", k, err)
	}
	// One read per KV entry, however many fields it fills.
	for _, p := range []string{"app/prod/db", "app/prod/features", "app/prod/service"} {
		if n := srv.Reads(p); n != 1 {
			t.Errorf("reads of %s = %d, want 1", p, n)
		}
	}
}

func TestLoadVersions(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	for _, v := range []string{"v1", "v2", "v3"} {
		srv.Put("app/rotating", map[string]any{"value": v})
	}
	var cfg struct {
		Pinned string                 `secret:"/app/rotating,version=2"`
		Latest string                 `secret:"/app/rotating"`
		Lazy   vaultly.Secret[string] `secret:"/app/rotating,version=1"`
	}
	if err := vaultly.Load(&cfg, newBackend(t, srv)); err != nil {
		t.Fatal(err)
	}
	lazy, err := cfg.Lazy.Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"v2", "v3", "v1"}, []string{cfg.Pinned, cfg.Latest, lazy}); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
}

func TestLoadDeletedVersion(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	for _, v := range []string{"v1", "v2", "v3"} {
		srv.Put("app/rotating", map[string]any{"value": v})
	}
	srv.Delete("app/rotating", 2)
	b := newBackend(t, srv)

	var cfg struct {
		Pinned string `secret:"/app/rotating,version=2"`
	}
	err := vaultly.Load(&cfg, b)
	var fe *vaultly.FieldError
	if !errors.Is(err, vaultly.ErrNotFound) || !errors.As(err, &fe) {
		t.Fatalf("Load = %v, want a FieldError matching ErrNotFound", err)
	}
	if fe.Ref != (vaultly.Ref{Path: "/app/rotating", Version: "2"}) {
		t.Errorf("FieldError.Ref = %v", fe.Ref)
	}
	if cfg.Pinned != "" {
		t.Errorf("Pinned = %q, want untouched", cfg.Pinned)
	}

	var opt struct {
		Pinned string `secret:"/app/rotating,version=2,optional"`
	}
	if err := vaultly.Load(&opt, b); err != nil || opt.Pinned != "" {
		t.Errorf("optional: Load = %v, Pinned = %q", err, opt.Pinned)
	}
}

// A token revoked mid-run is renewed by a token function that logs in
// again (approle), and the Secret's next fetch succeeds.
func TestLoadRevokedTokenRenewed(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	putAppConfig(srv)
	srv.AddAppRole("app-role", "app-secret")
	var logins atomic.Int32
	login := func(ctx context.Context) (string, error) {
		logins.Add(1)
		lc := srv.Client()
		lc.ClearToken()
		s, err := lc.Auth().Login(ctx, vaulttest.AppRole{RoleID: "app-role", SecretID: "app-secret"})
		if err != nil {
			return "", err
		}
		return s.Auth.ClientToken, nil
	}
	c := srv.Client()
	c.ClearToken()
	b := newBackendWithClient(t, c, vault.WithTokenFunc(login))
	clock := newClock()
	var reauths reauthHooks
	hooks := vaultly.Hooks{OnReauth: func(_ string, err error) {
		reauths.mu.Lock()
		reauths.errs = append(reauths.errs, err)
		reauths.mu.Unlock()
	}}

	cfg := appConfig{Stage: "prod"}
	if err := vaultly.Load(&cfg, b, vaultly.WithClock(clock.Now), vaultly.WithHooks(hooks)); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := cfg.DB.Password.Get(ctx); err != nil {
		t.Fatal(err)
	}

	srv.RevokeToken(c.Token())
	srv.Put("app/prod/db", map[string]any{"password": "pw-2"})
	clock.Advance(6 * time.Minute) // past the 5m TTL
	if pw, err := cfg.DB.Password.Get(ctx); err != nil || pw != "pw-2" {
		t.Fatalf("Password.Get after revoke = %q, %v", pw, err)
	}
	if n := logins.Load(); n != 2 {
		t.Errorf("logins = %d, want 2 (start and after the revoke)", n)
	}
	if diff := cmp.Diff([]error{nil, nil}, reauths.calls(), cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
		t.Errorf("OnReauth (-want +got):\n%s", diff)
	}
}

// A policy denial is ErrAuth after one re-authentication, and is not
// retried.
func TestLoadPermissionDenied(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	srv.Put("forbidden/key", map[string]any{"value": "x"})
	srv.Put("app/key", map[string]any{"value": "ok"})
	var logins atomic.Int32
	c := srv.Client()
	c.SetToken(srv.IssueToken("forbidden/"))
	b := newBackendWithClient(t, c, vault.WithTokenFunc(func(context.Context) (string, error) {
		logins.Add(1)
		return srv.IssueToken("forbidden/"), nil
	}))

	var cfg struct {
		Key       string `secret:"/app/key"`
		Forbidden string `secret:"/forbidden/key"`
	}
	err := vaultly.Load(&cfg, b)
	var fe *vaultly.FieldError
	if !errors.Is(err, vaultly.ErrAuth) || !errors.As(err, &fe) || !strings.HasSuffix(fe.Field, "Forbidden") {
		t.Fatalf("Load = %v, want a FieldError for Forbidden matching ErrAuth", err)
	}
	var re *api.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusForbidden {
		t.Errorf("Load = %v, want the 403 reachable", err)
	}
	if n := logins.Load(); n != 1 {
		t.Errorf("logins = %d, want 1", n)
	}
	if n := srv.Reads("forbidden/key"); n != 2 {
		t.Errorf("reads = %d, want 2 (refused, then refused again after the login)", n)
	}
}

// stale_on_error: Vault goes down (sealed) after the TTL; the last good
// value is served; when Vault is back, the next fetch gets the new value.
func TestLoadStaleThroughOutage(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	putAppConfig(srv)
	b := newBackend(t, srv)
	clock := newClock()
	var staleRefs []vaultly.Ref
	var mu sync.Mutex
	hooks := vaultly.Hooks{OnStale: func(ref vaultly.Ref, _ time.Duration) {
		mu.Lock()
		staleRefs = append(staleRefs, ref)
		mu.Unlock()
	}}
	cfg := appConfig{Stage: "prod"}
	if err := vaultly.Load(&cfg, b, vaultly.WithClock(clock.Now), vaultly.WithHooks(hooks)); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if pw, err := cfg.DB.Password.Get(ctx); err != nil || pw != "pw-1" {
		t.Fatalf("Get = %q, %v", pw, err)
	}

	srv.Put("app/prod/db", map[string]any{"password": "pw-2"})
	srv.Seal()
	clock.Advance(6 * time.Minute)
	if pw, err := cfg.DB.Password.Get(ctx); err != nil || pw != "pw-1" {
		t.Fatalf("during the outage: Get = %q, %v; want the stale pw-1", pw, err)
	}
	// A field without stale_on_error fails with ErrTransient.
	clock.Advance(16 * time.Minute)
	if _, err := cfg.APIKey.Get(ctx); !errors.Is(err, vaultly.ErrTransient) {
		t.Errorf("APIKey during the outage: err = %v, want ErrTransient", err)
	}

	srv.ClearFaults()
	clock.Advance(time.Minute) // past the stale retry interval
	if pw, err := cfg.DB.Password.Get(ctx); err != nil || pw != "pw-2" {
		t.Fatalf("after recovery: Get = %q, %v; want pw-2", pw, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(staleRefs) == 0 || staleRefs[0] != (vaultly.Ref{Path: "/app/prod/db:password"}) {
		t.Errorf("OnStale refs = %v", staleRefs)
	}
}
