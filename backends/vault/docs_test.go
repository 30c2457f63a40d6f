package vault_test

// The Go blocks of docs/vault.md, exactly as the page shows them, and the
// tests that run them against vaulttest. The two blocks that import an
// auth module outside this module's go.mod (approle, kubernetes) are in
// integration/docs_test.go. Change a block here and on the page together.

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/retry"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

// docs/vault.md, "Setup": the Config of the page.

type DB struct {
	User     string                 `secret:"/app/<stage>/db:user"`
	Password vaultly.Secret[string] `secret:"/app/<stage>/db:password,ttl=5m,stale_on_error"`
	Port     int                    `secret:"/app/<stage>/db:port"`
}

type Config struct {
	Stage  string
	DB     DB
	APIKey string          `secret:"/app/<stage>/openai"` // the entry's field "value"
	Flags  map[string]bool `secret:"/app/<stage>/features:flags"`
}

// docs/vault.md, "Setup".

func loadConfig() (Config, error) {
	b, err := vault.New() // VAULT_ADDR and VAULT_TOKEN, as the vault CLI reads them
	if err != nil {
		return Config{}, err // matches vaultly.ErrConfig and names what to set
	}
	cfg := Config{Stage: "prod"}
	err = vaultly.Load(&cfg, b) // three reads: app/prod/db, app/prod/openai, app/prod/features
	return cfg, err
}

// docs/vault.md, "Authentication and renewal": a token function.

func tokenFuncBackend(m api.AuthMethod) (*vault.Backend, error) {
	loginClient, err := api.NewClient(api.DefaultConfig()) // VAULT_ADDR, TLS, ... as vault.New reads them
	if err != nil {
		return nil, err
	}
	return vault.New(vault.WithTokenFunc(func(ctx context.Context) (string, error) {
		loginClient.ClearToken()
		s, err := loginClient.Auth().Login(ctx, m)
		if err != nil {
			return "", err
		}
		return s.Auth.ClientToken, nil
	}))
}

// docs/vault.md, "Timeouts".

func retryingBackend(m api.AuthMethod) (vaultly.Backend, error) {
	vb, err := vault.New(vault.WithAuth(m)) // VAULT_ADDR from the environment
	if err != nil {
		return nil, err
	}
	return retry.New(vb, retry.TotalTimeout(30*time.Second))
}

// docs/vault.md, "Testing with vaulttest".

func TestConfig(t *testing.T) {
	srv := vaulttest.NewServer(t) // mount "secret"; WithMount("kv")
	srv.Put("app/prod/db", map[string]any{"user": "app", "password": "pw", "port": 5432})
	srv.Put("app/prod/openai", map[string]any{"value": "sk-test"})
	srv.Put("app/prod/features", map[string]any{"flags": map[string]any{"beta": true}})

	b, err := vault.New(vault.WithClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Stage: "prod"}
	if err := vaultly.Load(&cfg, b); err != nil {
		t.Fatal(err)
	}
	if cfg.DB.User != "app" || cfg.DB.Port != 5432 || cfg.APIKey != "sk-test" || !cfg.Flags["beta"] {
		t.Errorf("loaded %+v", cfg)
	}
	if n := srv.TotalReads(); n != 3 { // one read per entry: db, openai, features
		t.Errorf("reads = %d, want 3", n)
	}
}

// The mirrors run. They set VAULT_* with t.Setenv, so none is parallel.

func TestDocsLoadConfig(t *testing.T) {
	clearVaultEnv(t)
	if _, err := loadConfig(); !errors.Is(err, vaultly.ErrConfig) {
		t.Fatalf("loadConfig without VAULT_ADDR and VAULT_TOKEN: err = %v, want ErrConfig", err)
	}

	srv := vaulttest.NewServer(t)
	srv.Put("app/prod/db", map[string]any{"user": "app", "password": "pw", "port": 5432})
	srv.Put("app/prod/openai", map[string]any{"value": "sk-test"})
	srv.Put("app/prod/features", map[string]any{"flags": map[string]any{"beta": true}})
	t.Setenv("VAULT_ADDR", srv.URL())
	t.Setenv("VAULT_TOKEN", srv.RootToken())
	cfg, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DB.User != "app" || cfg.DB.Port != 5432 || cfg.APIKey != "sk-test" || !cfg.Flags["beta"] {
		t.Errorf("loaded %+v", cfg)
	}
	// Three reads, one per entry, whether Load fetches the Secret field
	// DB.Password with the others (WithPrefetch) or leaves it to Get.
	if n := srv.TotalReads(); n != 3 {
		t.Errorf("Load made %d reads, want 3", n)
	}
	if n := srv.Reads("app/prod/db"); n != 1 {
		t.Errorf("app/prod/db read %d times, want 1", n)
	}
	if pw, err := cfg.DB.Password.Get(context.Background()); err != nil || pw != "pw" {
		t.Errorf("DB.Password.Get = %q, %v", pw, err)
	}
}

// docs/vault.md, "Versions": the field as the page shows it.
func TestDocsVersion(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	for _, v := range []string{"k1", "k2", "k3"} {
		srv.Put("app/prod/signing-key", map[string]any{"value": v})
	}
	var cfg struct {
		Previous string `secret:"/app/prod/signing-key,version=2"`
	}
	if err := vaultly.Load(&cfg, newBackend(t, srv)); err != nil || cfg.Previous != "k2" {
		t.Fatalf("Previous = %q, %v; want k2", cfg.Previous, err)
	}
}

func TestDocsTokenFuncAndRetry(t *testing.T) {
	clearVaultEnv(t)
	srv := vaulttest.NewServer(t)
	srv.Put("app/prod/openai", map[string]any{"value": "sk-test"})
	srv.AddAppRole("role", "secret")
	t.Setenv("VAULT_ADDR", srv.URL())
	m := vaulttest.AppRole{RoleID: "role", SecretID: "secret"}

	tb, err := tokenFuncBackend(m)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := retryingBackend(m)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string]vaultly.Backend{"token function": tb, "retry": rb} {
		if v, err := b.Get(context.Background(), vaultly.Ref{Path: "app/prod/openai"}); err != nil || v != "sk-test" {
			t.Errorf("%s: Get = %q, %v", name, v, err)
		}
	}
	if n := srv.Logins(); n != 2 {
		t.Errorf("logins = %d, want 2 (one per backend)", n)
	}
}
