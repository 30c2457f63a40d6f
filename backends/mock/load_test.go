package mock_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

type loadConfig struct {
	Stage    string
	Password vaultly.Secret[string] `secret:"/db/<stage>/password"`
	PoolSize int                    `secret:"/db/<stage>/pool_size"`
	User     string                 `secret:"/db/<stage>/user"`
}

// TestLoad checks the mock through vaultly.Load: one batch for the plain
// fields with a batch backend, one Get each through Plain.
func TestLoad(t *testing.T) {
	t.Parallel()
	values := map[string]string{"/db/prod/password": "pw", "/db/prod/pool_size": "4", "/db/prod/user": "app"}
	t.Run("batch", func(t *testing.T) {
		t.Parallel()
		b := mock.New(values)
		cfg := loadConfig{Stage: "prod"}
		if err := vaultly.Load(&cfg, b); err != nil {
			t.Fatal(err)
		}
		if cfg.PoolSize != 4 || cfg.User != "app" {
			t.Errorf("cfg = %+v", cfg)
		}
		if got := b.Requests(); got != 1 {
			t.Errorf("Requests = %d, want 1 batch; calls %v", got, b.Calls())
		}
		if pw, err := cfg.Password.Get(context.Background()); pw != "pw" || err != nil {
			t.Errorf("Password.Get = %q, %v", pw, err)
		}
	})
	t.Run("plain", func(t *testing.T) {
		t.Parallel()
		b := mock.New(values)
		cfg := loadConfig{Stage: "prod"}
		if err := vaultly.Load(&cfg, b.Plain(), vaultly.WithPrefetch(false)); err != nil {
			t.Fatal(err)
		}
		if got := b.BatchCalls(); len(got) != 0 {
			t.Errorf("BatchCalls = %v through Plain", got)
		}
		if got := b.Requests(); got != 2 {
			t.Errorf("Requests = %d, want 2 Gets; calls %v", got, b.Calls())
		}
	})
	t.Run("per-ref failure", func(t *testing.T) {
		t.Parallel()
		b := mock.New(values)
		b.Fail("/db/prod/user", vaultly.ErrAuth)
		cfg := loadConfig{Stage: "prod"}
		err := vaultly.Load(&cfg, b)
		var fe *vaultly.FieldError
		if !errors.Is(err, vaultly.ErrAuth) || !errors.As(err, &fe) {
			t.Fatalf("Load = %v, want a FieldError matching ErrAuth", err)
		}
		if diff := cmp.Diff(vaultly.Ref{Path: "/db/prod/user"}, fe.Ref); diff != "" {
			t.Errorf("FieldError.Ref (-want +got):\n%s", diff)
		}
		if cfg.PoolSize != 0 {
			t.Errorf("dst changed on failure: %+v", cfg)
		}
	})
}
