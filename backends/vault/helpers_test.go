package vault_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

// newBackend returns a backend over srv's root client with extra options.
// It is pinned to KV v2 (an option can say otherwise), so that the
// requests a test counts are its reads: kvversion_test.go covers the
// detection.
func newBackend(t *testing.T, srv *vaulttest.Server, opts ...vault.Option) *vault.Backend {
	t.Helper()
	b, err := vault.New(append([]vault.Option{vault.WithClient(srv.Client()), vault.WithKVVersion(2)}, opts...)...)
	if err != nil {
		t.Fatalf("vault.New: %v", err)
	}
	return b
}

// tokenFunc counts its calls and returns token().
type tokenFunc struct {
	calls atomic.Int32
	fn    func(ctx context.Context) (string, error)
}

func (f *tokenFunc) get(ctx context.Context) (string, error) {
	f.calls.Add(1)
	return f.fn(ctx)
}

// reauthHooks records OnReauth calls.
type reauthHooks struct {
	mu   sync.Mutex
	errs []error
}

func (h *reauthHooks) ctx(ctx context.Context) context.Context {
	return backendkit.WithHooks(ctx, &vaultly.Hooks{OnReauth: func(backend string, err error) {
		h.mu.Lock()
		defer h.mu.Unlock()
		if backend != "vault" {
			err = &wrongBackend{backend}
		}
		h.errs = append(h.errs, err)
	}})
}

func (h *reauthHooks) calls() []error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]error(nil), h.errs...)
}

type wrongBackend struct{ name string }

func (e *wrongBackend) Error() string { return "OnReauth backend = " + e.name }

// statusWatcher is a RoundTripper that reports every answer with a status.
type statusWatcher struct {
	next   http.RoundTripper
	status int
	seen   chan struct{}
}

func (w *statusWatcher) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := w.next.RoundTrip(r)
	if err == nil && resp.StatusCode == w.status {
		w.seen <- struct{}{}
	}
	return resp, err
}

// watchedClient returns a client for srv (root token) that reports every
// answer with status on the returned channel (buffered for n).
func watchedClient(t *testing.T, srv *vaulttest.Server, status, n int) (*api.Client, <-chan struct{}) {
	t.Helper()
	cfg := srv.Client().CloneConfig()
	w := &statusWatcher{next: cfg.HttpClient.Transport, status: status, seen: make(chan struct{}, n)}
	cfg.HttpClient.Transport = w
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(srv.RootToken())
	return c, w.seen
}

// noValue fails when err's text contains any of the secret values.
func noValue(t *testing.T, err error, values ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, v := range values {
		if strings.Contains(err.Error(), v) {
			t.Errorf("error %q contains the secret value %q", err, v)
		}
	}
}
