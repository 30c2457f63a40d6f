package env_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/chain"
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

// Two fields whose paths map to one variable fail Load with a
// configuration error naming both paths and the variable, for every Load
// path that batches: the env backend itself, and a chain in front of it.
func TestLoadCollision(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"MYAPP_DB_PROD_PASSWORD": "hunter2"}
	b, err := env.New(env.WithPrefix("MYAPP"), env.WithLookup(func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}))
	if err != nil {
		t.Fatal(err)
	}
	c, err := chain.New([]vaultly.Backend{b})
	if err != nil {
		t.Fatal(err)
	}
	type Config struct {
		Stage    string
		Password string `secret:"/db/<stage>/password"`
		Other    string `secret:"/db/<stage>-password"`
	}
	for _, tt := range []struct {
		name    string
		backend vaultly.Backend
	}{
		{"env", b},
		{"chain", c},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := Config{Stage: "prod"}
			err := vaultly.Load(&cfg, tt.backend)
			if !errors.Is(err, vaultly.ErrConfig) {
				t.Fatalf("Load = %v, want ErrConfig", err)
			}
			for _, s := range []string{"Password", "Other", "/db/prod/password", "/db/prod-password", "MYAPP_DB_PROD_PASSWORD"} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not name %q", err, s)
				}
			}
			if strings.Contains(err.Error(), "hunter2") || cfg.Password != "" || cfg.Other != "" {
				t.Errorf("a value leaked: error %q, fields %q, %q", err, cfg.Password, cfg.Other)
			}
		})
	}
}

// TestLoadPrefix loads a prefix map field from the variables under it.
func TestLoadPrefix(t *testing.T) {
	t.Parallel()
	vars := map[string]string{
		"MYAPP_APP_PROD_FLAGS_BETA":         "true",
		"MYAPP_APP_PROD_FLAGS_NEW_CHECKOUT": "false",
		"MYAPP_APP_DEV_FLAGS_BETA":          "false",
	}
	b, err := env.New(append(fakeEnv(vars), env.WithPrefix("MYAPP"))...)
	if err != nil {
		t.Fatal(err)
	}
	type Config struct {
		Stage string
		Flags map[string]bool `secret:"/app/<stage>/flags/,prefix"`
	}
	cfg := Config{Stage: "prod"}
	if err := vaultly.Load(&cfg, b); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]bool{"beta": true, "new_checkout": false}, cfg.Flags); diff != "" {
		t.Errorf("Flags (-want +got):\n%s", diff)
	}
	empty := Config{Stage: "test"}
	if err := vaultly.Load(&empty, b); !errors.Is(err, vaultly.ErrNotFound) {
		t.Errorf("Load(test) = %v; want ErrNotFound (nothing under the prefix)", err)
	}
}
