package vault_test

// The Go blocks of docs/vault.md's sections on KV v1, prefixes and leased
// secrets, exactly as the page shows them, and the tests that run them
// against vaulttest. Change a block here and on the page together.

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

// docs/vault.md, "KV version 1".

func kv1Backend() (*vault.Backend, error) {
	return vault.New(vault.WithMount("kv"), vault.WithKVVersion(1)) // VAULT_ADDR, VAULT_TOKEN
}

// docs/vault.md, "Prefixes".

type FlagsConfig struct {
	Flags map[string]bool `secret:"/app/prod/flags/,prefix"` // flags/beta, flags/team/x -> "beta", "team/x"
}

// docs/vault.md, "Leased secrets".

type DBCreds struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type LeasedConfig struct {
	DB vaultly.Secret[DBCreds] `secret:"database/creds/app,lease"`
}

func TestDocsKV1(t *testing.T) {
	clearVaultEnv(t)
	srv := vaulttest.NewServer(t, vaulttest.WithMount("kv"), vaulttest.WithKVVersion(1))
	srv.Put("app/prod/db", map[string]any{"user": "app"})
	t.Setenv("VAULT_ADDR", srv.URL())
	t.Setenv("VAULT_TOKEN", srv.RootToken())
	b, err := kv1Backend()
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		User string `secret:"/app/prod/db,key=user"`
	}
	if err := vaultly.Load(&cfg, b); err != nil || cfg.User != "app" {
		t.Fatalf("User = %q, %v", cfg.User, err)
	}
}

func TestDocsPrefix(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	srv.Put("app/prod/flags/beta", map[string]any{"value": true})
	srv.Put("app/prod/flags/team/x", map[string]any{"value": false})
	var cfg FlagsConfig
	if err := vaultly.Load(&cfg, newBackend(t, srv)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]bool{"beta": true, "team/x": false}, cfg.Flags); diff != "" {
		t.Errorf("Flags (-want +got):\n%s", diff)
	}
}

func TestDocsLeased(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	srv.AddDatabaseRole("app", time.Hour)
	var cfg LeasedConfig
	if err := vaultly.Load(&cfg, newBackend(t, srv)); err != nil {
		t.Fatal(err)
	}
	c, err := cfg.DB.Get(context.Background())
	if err != nil || c.Username != "v-app-1" || len(c.Password) != 32 {
		t.Fatalf("DB.Get = %+v, %v; want the first credentials", c, err)
	}
}
