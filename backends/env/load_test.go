package env_test

import (
	"context"
	"errors"
	"testing"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/env"
)

// TestLoad runs the backend end to end through vaultly.Load.
func TestLoad(t *testing.T) {
	t.Parallel()
	vars := map[string]string{
		"MYAPP_DB_PROD_PASSWORD":  "hunter2",
		"MYAPP_DB_PROD_POOL_SIZE": "12",
	}
	b, err := env.New(env.WithPrefix("MYAPP_"), env.WithLookup(func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}))
	if err != nil {
		t.Fatal(err)
	}
	type Config struct {
		Stage    string
		Password vaultly.Secret[string] `secret:"/db/<stage>/password"`
		PoolSize int                    `secret:"/db/<stage>/pool_size"`
		Missing  string                 `secret:"/db/<stage>/missing,optional"`
	}
	cfg := Config{Stage: "prod"}
	if err := vaultly.Load(&cfg, b); err != nil {
		t.Fatal(err)
	}
	pw, err := cfg.Password.Get(context.Background())
	if pw != "hunter2" || err != nil || cfg.PoolSize != 12 || cfg.Missing != "" {
		t.Errorf("loaded Password %q (%v), PoolSize %d, Missing %q", pw, err, cfg.PoolSize, cfg.Missing)
	}

	bad := Config{Stage: "dev"}
	err = vaultly.Load(&bad, b)
	if !errors.Is(err, vaultly.ErrNotFound) {
		t.Errorf("Load(dev) = %v, want ErrNotFound", err)
	}
}
