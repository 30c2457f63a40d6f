package file_test

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"testing"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/file"
)

// TestLoad runs the backend end to end through vaultly.Load, including a
// rotated file seen after Refresh and a template variable that tries to
// leave the directory.
func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, v string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("db/prod/password", "hunter2\n")
	write("db/prod/pool_size", "12\n")
	b, err := file.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	type Config struct {
		Stage    string
		Password vaultly.Secret[string] `secret:"/db/<stage>/password,ttl=1h"`
		PoolSize int                    `secret:"/db/<stage>/pool_size"`
	}
	cfg := Config{Stage: "prod"}
	if err := vaultly.Load(&cfg, b); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if pw, err := cfg.Password.Get(ctx); pw != "hunter2" || err != nil || cfg.PoolSize != 12 {
		t.Errorf("loaded Password %q (%v), PoolSize %d", pw, err, cfg.PoolSize)
	}
	write("db/prod/password", "rotated\n")
	if pw, err := cfg.Password.Refresh(ctx); pw != "rotated" || err != nil {
		t.Errorf("Refresh after rotation = %q, %v", pw, err)
	}

	escape := Config{Stage: ".."}
	if err := vaultly.Load(&escape, b); !errors.Is(err, vaultly.ErrConfig) {
		t.Errorf("Load with Stage \"..\" = %v, want ErrConfig", err)
	}
}

// TestLoadPrefix loads a prefix map field from the files below a directory,
// nested ones keyed with "/".
func TestLoadPrefix(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, v := range map[string]string{"app/prod/limits/a": "1\n", "app/prod/limits/b/c": "2\n", "app/dev/limits/a": "9"} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b, err := file.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var cfg struct {
		Stage  string
		Limits map[string]int `secret:"/app/<stage>/limits/,prefix"`
	}
	cfg.Stage = "prod"
	if err := vaultly.Load(&cfg, b); err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"a": 1, "b/c": 2}; !maps.Equal(cfg.Limits, want) {
		t.Errorf("Limits = %v, want %v", cfg.Limits, want)
	}
}
