package vault_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/backendtest"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

// sentCounter is a RoundTripper that counts the requests it sends, and
// lets a test wait for the n-th.
type sentCounter struct {
	next http.RoundTripper

	mu      sync.Mutex
	sent    int
	changed chan struct{} // closed and replaced on every request
}

func (c *sentCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.sent++
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
	return c.next.RoundTrip(r)
}

func (c *sentCounter) await(ctx context.Context, n int) error {
	for {
		c.mu.Lock()
		sent, ch := c.sent, c.changed
		c.mu.Unlock()
		if sent >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// conformanceBackend starts a vaulttest server with a KV mount of version
// kv holding secrets, each value a KV version of the entry (the path
// without its leading '/') under the default key, or, for an Object, its
// members; and returns a backend over a client whose token is denied the
// secrets with Fail (a 403: vaultly.ErrAuth). The backend is told the KV
// version, or detects it when detect is true. The client's requests go
// through counter when it is not nil.
func conformanceBackend(t *testing.T, secrets []backendtest.Secret, counter *sentCounter, kv int, detect bool) (*vault.Backend, *vaulttest.Server) {
	t.Helper()
	srv := vaulttest.NewServer(t, vaulttest.WithKVVersion(kv))
	var denied []string
	for _, s := range secrets {
		for _, v := range s.Versions {
			if s.Object {
				srv.PutJSON(s.Path, v)
				continue
			}
			srv.Put(s.Path, map[string]any{"value": v})
		}
		if s.Fail {
			denied = append(denied, s.Path)
		}
	}
	cfg := srv.Client().CloneConfig()
	if counter != nil {
		counter.next = cfg.HttpClient.Transport
		cfg.HttpClient = &http.Client{Transport: counter}
	}
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(srv.IssueToken(denied...))
	opts := []vault.Option{vault.WithClient(c)}
	if !detect {
		opts = append(opts, vault.WithKVVersion(kv))
	}
	b, err := vault.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return b, srv
}

// TestConformance runs the backend, over the real Vault API client and a
// vaulttest server, through the contract every backend keeps.
func TestConformance(t *testing.T) {
	t.Parallel()
	backendtest.Run(t, backendtest.Harness{
		New: func(t *testing.T, secrets []backendtest.Secret) vaultly.Backend {
			b, _ := conformanceBackend(t, secrets, nil, 2, false)
			return b
		},
		Versions: true,
		Failures: true,
		Prefixes: true,
		Keys:     true,
		NewSlow: func(t *testing.T, secrets []backendtest.Secret) (vaultly.Backend, func(context.Context, int) error) {
			counter := &sentCounter{changed: make(chan struct{})}
			b, srv := conformanceBackend(t, secrets, counter, 2, false)
			hold := make(chan struct{})
			t.Cleanup(func() { close(hold) })
			srv.Inject(vaulttest.Fault{Hold: hold})
			return b, counter.await
		},
	})
}

// TestConformanceKV1 runs the contract over a KV v1 mount, whose version
// the backend detects: no versions.
func TestConformanceKV1(t *testing.T) {
	t.Parallel()
	backendtest.Run(t, backendtest.Harness{
		New: func(t *testing.T, secrets []backendtest.Secret) vaultly.Backend {
			b, _ := conformanceBackend(t, secrets, nil, 1, true)
			return b
		},
		Failures: true,
		Prefixes: true,
		Keys:     true,
	})
}

// TestConformanceDetected runs the contract over a KV v2 mount whose
// version the backend detects.
func TestConformanceDetected(t *testing.T) {
	t.Parallel()
	backendtest.Run(t, backendtest.Harness{
		New: func(t *testing.T, secrets []backendtest.Secret) vaultly.Backend {
			b, _ := conformanceBackend(t, secrets, nil, 2, true)
			return b
		},
		Versions: true,
		Failures: true,
		Prefixes: true,
		Keys:     true,
	})
}
