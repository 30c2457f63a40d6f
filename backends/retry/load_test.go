package retry_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
	"github.com/vaultly/vaultly/backends/retry"
)

type loadConfig struct {
	Stage    string
	Password string                 `secret:"/db/<stage>/password"`
	PoolSize int                    `secret:"/db/<stage>/pool_size"`
	APIKey   vaultly.Secret[string] `secret:"/api/key,ttl=0"`
}

func noSleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

func newStore() *mock.Backend {
	return mock.New(map[string]string{
		"/db/prod/password":  "hunter2",
		"/db/prod/pool_size": "20",
		"/api/key":           "k-1",
	})
}

// Load through retry(mock): the batch is retried for the Refs that failed
// transiently, and the context hooks see the retries.
func TestLoadRetriesBatch(t *testing.T) {
	t.Parallel()
	store := newStore()
	store.FailNext("/db/prod/password", 2, errors.New("ThrottlingException"))
	b, err := retry.New(store, retry.WithSleep(noSleep))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var retries []int
	hooks := vaultly.Hooks{OnRetry: func(_ vaultly.Ref, attempt int, _ error, _ time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		retries = append(retries, attempt)
	}}
	cfg := loadConfig{Stage: "prod"}
	if err := vaultly.Load(&cfg, b, vaultly.WithHooks(hooks), vaultly.WithPrefetch(false)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]any{"hunter2", 20}, []any{cfg.Password, cfg.PoolSize}); diff != "" {
		t.Errorf("loaded (-want +got):\n%s", diff)
	}
	var asked [][]string
	for _, call := range store.BatchCalls() {
		var p []string
		for _, r := range call {
			p = append(p, r.Path)
		}
		asked = append(asked, p)
	}
	want := [][]string{{"/db/prod/password", "/db/prod/pool_size"}, {"/db/prod/password"}, {"/db/prod/password"}}
	if diff := cmp.Diff(want, asked, sortInner()); diff != "" {
		t.Errorf("GetBatch calls (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{1, 2}, retries); diff != "" {
		t.Errorf("OnRetry hook attempts (-want +got):\n%s", diff)
	}
}

// A store that never recovers: Load fails with ErrTransient after
// MaxAttempts round trips, names the field, and leaves dst untouched.
func TestLoadGivesUp(t *testing.T) {
	t.Parallel()
	store := newStore()
	store.FailAll(errors.New("503"))
	b, err := retry.New(store.Plain(), retry.WithSleep(noSleep), retry.MaxAttempts(4))
	if err != nil {
		t.Fatal(err)
	}
	cfg := loadConfig{Stage: "prod"}
	err = vaultly.Load(&cfg, b, vaultly.WithPrefetch(false))
	var fe *vaultly.FieldError
	var re *retry.Error
	if !errors.Is(err, vaultly.ErrTransient) || !errors.As(err, &fe) || !errors.As(err, &re) {
		t.Fatalf("err = %v; want a transient *FieldError wrapping a *retry.Error", err)
	}
	if diff := cmp.Diff([]any{"", 0, 4, 8}, []any{cfg.Password, cfg.PoolSize, re.Attempts, store.Requests()}); diff != "" {
		t.Errorf("password, pool size, attempts, requests (-want +got):\n%s", diff)
	}
}

// Secret.Get goes through the retry too.
func TestSecretGetRetried(t *testing.T) {
	t.Parallel()
	store := newStore()
	b, err := retry.New(store, retry.WithSleep(noSleep))
	if err != nil {
		t.Fatal(err)
	}
	cfg := loadConfig{Stage: "prod"}
	if err := vaultly.Load(&cfg, b); err != nil {
		t.Fatal(err)
	}
	store.FailNext("/api/key", 1, errors.New("connection reset"))
	store.ResetCalls()
	v, err := cfg.APIKey.Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]any{"k-1", 2}, []any{v, len(store.Calls())}); diff != "" {
		t.Errorf("value, calls (-want +got):\n%s", diff)
	}
}

func sortInner() cmp.Option {
	return cmpopts.SortSlices(func(a, b string) bool { return a < b })
}

// A prefix map field through retry: a transient failure of the listing is
// retried as a whole.
func TestLoadPrefixRetried(t *testing.T) {
	t.Parallel()
	m := mock.New(map[string]string{"/flags/a": "true", "/flags/b/c": "false"})
	m.FailNext("/flags/", 1, vaultly.ErrTransient)
	b, err := retry.New(m, retry.WithSleep(noSleep))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Flags map[string]bool `secret:"/flags/,prefix"`
	}
	if err := vaultly.Load(&cfg, b); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]bool{"a": true, "b/c": false}, cfg.Flags); diff != "" || m.Requests() != 2 {
		t.Errorf("%d requests; Flags (-want +got):\n%s", m.Requests(), diff)
	}
}
