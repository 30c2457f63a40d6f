package integration

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
	authapprole "github.com/hashicorp/vault/api/auth/approle"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
	"github.com/vaultly/vaultly/backends/retry"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

// TestScenarios runs the end-to-end scenarios against vaulttest and a real
// Vault core, so the fake is held to what the real server does.
func TestScenarios(t *testing.T) {
	targets := []struct {
		name string
		make func(*testing.T) *target
	}{
		{"vaulttest", newVaulttestTarget},
		{"core", newCoreTarget},
	}
	scenarios := []struct {
		name string
		run  func(*testing.T, *target)
	}{
		{"nested config", nestedConfig},
		{"versions", versions},
		{"deleted version", deletedVersion},
		{"auth method", authMethod},
		{"revoked token renewed", revokedTokenRenewed},
		{"permission denied", permissionDenied},
		{"stale through outage", staleThroughOutage}, // seals: keep last
	}
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			target := tg.make(t)
			for _, sc := range scenarios {
				t.Run(sc.name, func(t *testing.T) { sc.run(t, target) })
			}
		})
	}
}

// app is the application side of a scenario: a backend that logs in with
// approle through a token function, and counters.
type app struct {
	backend *vault.Backend
	client  *api.Client
	reads   *counter
	logins  atomic.Int32
}

func newApp(t *testing.T, tg *target) *app {
	a := &app{reads: &counter{}}
	a.client = newClient(t, tg.addr, "", a.reads)
	login := func(ctx context.Context) (string, error) {
		a.logins.Add(1)
		lc := newClient(t, tg.addr, "", nil)
		lc.ClearToken()
		s, err := lc.Auth().Login(ctx, vaulttest.AppRole{RoleID: tg.roleID, SecretID: tg.secretID})
		if err != nil {
			return "", err
		}
		return s.Auth.ClientToken, nil
	}
	b, err := vault.New(vault.WithClient(a.client), vault.WithMount(mount), vault.WithTokenFunc(login))
	must(t, err)
	a.backend = b
	return a
}

func put(t *testing.T, tg *target, path string, data map[string]any) int {
	t.Helper()
	s, err := tg.root.KVv2(mount).Put(context.Background(), path, data)
	must(t, err)
	return s.VersionMetadata.Version
}

func newFakeClock() *mock.Clock { return mock.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) }

type appConfig struct {
	Stage string
	DB    struct {
		User     string                 `secret:"/nested/<stage>/db:user"`
		Password vaultly.Secret[string] `secret:"/nested/<stage>/db:password,ttl=5m"`
		Port     int                    `secret:"/nested/<stage>/db:port"`
		SSL      bool                   `secret:"/nested/<stage>/db:ssl"`
		Ratio    float64                `secret:"/nested/<stage>/db:ratio"`
	}
	Features map[string]bool        `secret:"/nested/<stage>/features"`
	Limits   map[string]int         `secret:"/nested/<stage>/service:limits"`
	Hosts    []string               `secret:"/nested/<stage>/service:hosts"`
	Timeout  time.Duration          `secret:"/nested/<stage>/service:timeout"`
	APIKey   vaultly.Secret[string] `secret:"/nested/<stage>/service:api_key"`
	Big      string                 `secret:"/nested/<stage>/service:big"`
}

func nestedConfig(t *testing.T, tg *target) {
	put(t, tg, "nested/prod/db", map[string]any{"user": "app", "password": "pw", "port": 5432, "ssl": true, "ratio": 0.25})
	put(t, tg, "nested/prod/features", map[string]any{"value": map[string]any{"beta": true, "new_ui": false}})
	_, err := tg.root.Logical().WriteBytes(mount+"/data/nested/prod/service", []byte(`{"data":{
		"limits": {"rps": 100, "burst": 20}, "hosts": ["a.example", "b.example"],
		"timeout": "3s", "api_key": "k-1", "big": 123456789012345678901234567890}}`))
	must(t, err)

	a := newApp(t, tg)
	cfg := appConfig{Stage: "prod"}
	must(t, vaultly.Load(&cfg, a.backend, vaultly.WithPrefetch(true)))
	ctx := context.Background()
	pw, err := cfg.DB.Password.Get(ctx)
	must(t, err)
	key, err := cfg.APIKey.Get(ctx)
	must(t, err)

	got := []any{cfg.DB.User, pw, cfg.DB.Port, cfg.DB.SSL, cfg.DB.Ratio, cfg.Features, cfg.Limits, cfg.Hosts, cfg.Timeout, key, cfg.Big}
	want := []any{"app", "pw", 5432, true, 0.25, map[string]bool{"beta": true, "new_ui": false},
		map[string]int{"rps": 100, "burst": 20}, []string{"a.example", "b.example"}, 3 * time.Second, "k-1",
		"1.2345678901234568e+29"} // Vault keeps JSON numbers as float64
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	for _, p := range []string{"nested/prod/db", "nested/prod/features", "nested/prod/service"} {
		if n := a.reads.get(p); n != 1 {
			t.Errorf("reads of %s = %d, want 1", p, n)
		}
	}
	if n := a.logins.Load(); n != 1 {
		t.Errorf("logins = %d, want 1", n)
	}
}

func versions(t *testing.T, tg *target) {
	for _, v := range []string{"v1", "v2", "v3"} {
		put(t, tg, "versions/rotating", map[string]any{"value": v})
	}
	var cfg struct {
		Pinned string                 `secret:"/versions/rotating,version=2"`
		Latest string                 `secret:"/versions/rotating"`
		First  vaultly.Secret[string] `secret:"/versions/rotating,version=1"`
	}
	must(t, vaultly.Load(&cfg, newApp(t, tg).backend))
	first, err := cfg.First.Get(context.Background())
	must(t, err)
	if diff := cmp.Diff([]string{"v2", "v3", "v1"}, []string{cfg.Pinned, cfg.Latest, first}); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
}

func deletedVersion(t *testing.T, tg *target) {
	for _, v := range []string{"v1", "v2", "v3"} {
		put(t, tg, "deleted/rotating", map[string]any{"value": v})
	}
	ctx := context.Background()
	must(t, tg.root.KVv2(mount).DeleteVersions(ctx, "deleted/rotating", []int{2}))
	must(t, tg.root.KVv2(mount).Destroy(ctx, "deleted/rotating", []int{1}))
	b := newApp(t, tg).backend

	for _, tc := range []struct{ version, msg string }{{"2", "deleted"}, {"1", "destroyed"}} {
		_, err := b.Get(ctx, vaultly.Ref{Path: "deleted/rotating", Version: tc.version})
		if !errors.Is(err, vaultly.ErrNotFound) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("version %s: err = %v, want ErrNotFound (%s)", tc.version, err, tc.msg)
		}
	}
	var cfg struct {
		Deleted string `secret:"/deleted/rotating,version=2"`
	}
	err := vaultly.Load(&cfg, b)
	var fe *vaultly.FieldError
	if !errors.Is(err, vaultly.ErrNotFound) || !errors.As(err, &fe) || fe.Ref.Version != "2" {
		t.Errorf("Load = %v, want a FieldError for version 2 matching ErrNotFound", err)
	}
	var opt struct {
		Deleted string `secret:"/deleted/rotating,version=2,optional"`
		Latest  string `secret:"/deleted/rotating"`
	}
	if err := vaultly.Load(&opt, b); err != nil || opt.Deleted != "" || opt.Latest != "v3" {
		t.Errorf("optional: Load = %v, cfg = %+v", err, opt)
	}
}

// authMethod logs in with the approle module from
// github.com/hashicorp/vault/api/auth/approle through WithAuth.
func authMethod(t *testing.T, tg *target) {
	put(t, tg, "auth/key", map[string]any{"value": "k"})
	m, err := authapprole.NewAppRoleAuth(tg.roleID, &authapprole.SecretID{FromString: tg.secretID})
	must(t, err)
	c := newClient(t, tg.addr, "", nil)
	c.ClearToken()
	b, err := vault.New(vault.WithClient(c), vault.WithMount(mount), vault.WithAuth(m))
	must(t, err)
	got, err := b.Get(context.Background(), vaultly.Ref{Path: "auth/key"})
	if err != nil || got != "k" {
		t.Fatalf("Get = %q, %v", got, err)
	}
	// Revoke the token: the next read logs in again.
	first := c.Token()
	must(t, tg.root.Auth().Token().RevokeTreeWithContext(context.Background(), first))
	if got, err := b.Get(context.Background(), vaultly.Ref{Path: "auth/key"}); err != nil || got != "k" {
		t.Fatalf("after revoke: Get = %q, %v", got, err)
	}
	if c.Token() == first {
		t.Error("token not renewed")
	}
}

func revokedTokenRenewed(t *testing.T, tg *target) {
	put(t, tg, "renew/db", map[string]any{"password": "pw-1"})
	a := newApp(t, tg)
	clk := newFakeClock()
	var mu sync.Mutex
	var reauths []error
	hooks := vaultly.Hooks{OnReauth: func(_ string, err error) {
		mu.Lock()
		reauths = append(reauths, err)
		mu.Unlock()
	}}
	var cfg struct {
		Password vaultly.Secret[string] `secret:"/renew/db:password,ttl=5m"`
	}
	must(t, vaultly.Load(&cfg, a.backend, vaultly.WithClock(clk.Now), vaultly.WithHooks(hooks), vaultly.WithPrefetch(true)))
	ctx := context.Background()

	must(t, tg.root.Auth().Token().RevokeTreeWithContext(ctx, a.client.Token()))
	put(t, tg, "renew/db", map[string]any{"password": "pw-2"})
	clk.Advance(6 * time.Minute)
	if pw, err := cfg.Password.Get(ctx); err != nil || pw != "pw-2" {
		t.Fatalf("after revoke: Get = %q, %v", pw, err)
	}
	if n := a.logins.Load(); n != 2 {
		t.Errorf("logins = %d, want 2", n)
	}
	if n := a.reads.get("renew/db"); n != 3 {
		t.Errorf("reads = %d, want 3 (load, refused, after login)", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reauths) != 2 || reauths[0] != nil || reauths[1] != nil {
		t.Errorf("OnReauth = %v, want two successes", reauths)
	}
}

// permissionDenied: a policy denial is ErrAuth after one re-login, and the
// retry wrapper does not retry it.
func permissionDenied(t *testing.T, tg *target) {
	put(t, tg, "forbidden/key", map[string]any{"value": "x"})
	put(t, tg, "allowed/key", map[string]any{"value": "ok"})
	a := newApp(t, tg)
	rb, err := retry.New(a.backend, retry.MaxAttempts(4), retry.BaseDelay(time.Millisecond))
	must(t, err)
	var cfg struct {
		Allowed   string `secret:"/allowed/key"`
		Forbidden string `secret:"/forbidden/key"`
	}
	err = vaultly.Load(&cfg, rb)
	var fe *vaultly.FieldError
	if !errors.Is(err, vaultly.ErrAuth) || !errors.As(err, &fe) || fe.Field != "Forbidden" && !strings.HasSuffix(fe.Field, ".Forbidden") {
		t.Fatalf("Load = %v, want ErrAuth for Forbidden", err)
	}
	if errors.Is(err, vaultly.ErrTransient) {
		t.Errorf("Load = %v also matches ErrTransient", err)
	}
	var re *api.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusForbidden {
		t.Errorf("Load = %v, want the 403 reachable", err)
	}
	if n := a.reads.get("forbidden/key"); n != 2 {
		t.Errorf("reads = %d, want 2 (refused, refused after one re-login)", n)
	}
	if n := a.logins.Load(); n != 2 {
		t.Errorf("logins = %d, want 2 (first login, one re-login)", n)
	}
}

func staleThroughOutage(t *testing.T, tg *target) {
	put(t, tg, "stale/db", map[string]any{"password": "pw-1"})
	a := newApp(t, tg)
	clk := newFakeClock()
	var stale atomic.Int32
	hooks := vaultly.Hooks{OnStale: func(vaultly.Ref, time.Duration) { stale.Add(1) }}
	var cfg struct {
		Password vaultly.Secret[string] `secret:"/stale/db:password,ttl=5m,stale_on_error"`
		Strict   vaultly.Secret[string] `secret:"/stale/db:password,ttl=5m"`
	}
	must(t, vaultly.Load(&cfg, a.backend, vaultly.WithClock(clk.Now), vaultly.WithHooks(hooks)))
	ctx := context.Background()
	for _, s := range []*vaultly.Secret[string]{&cfg.Password, &cfg.Strict} {
		if pw, err := s.Get(ctx); err != nil || pw != "pw-1" {
			t.Fatalf("Get = %q, %v", pw, err)
		}
	}

	put(t, tg, "stale/db", map[string]any{"password": "pw-2"})
	tg.seal(t)
	clk.Advance(6 * time.Minute)
	if pw, err := cfg.Password.Get(ctx); err != nil || pw != "pw-1" {
		t.Fatalf("sealed: Get = %q, %v; want the stale pw-1", pw, err)
	}
	if stale.Load() == 0 {
		t.Error("OnStale not called")
	}
	var re *api.ResponseError
	if _, err := cfg.Strict.Get(ctx); !errors.Is(err, vaultly.ErrTransient) || !errors.As(err, &re) || re.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("sealed, no stale_on_error: err = %v, want ErrTransient with the 503", err)
	}

	tg.unseal(t)
	clk.Advance(time.Minute) // past the stale retry interval
	if pw, err := cfg.Password.Get(ctx); err != nil || pw != "pw-2" {
		t.Fatalf("unsealed: Get = %q, %v; want pw-2", pw, err)
	}
}
