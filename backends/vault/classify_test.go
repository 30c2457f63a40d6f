package vault_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

func TestClassification(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		fault      *vaulttest.Fault
		path       string
		wantKind   error
		wantStatus int // the *api.ResponseError reachable with errors.As; 0: none expected
		wantReads  int // the test client retries 412, 429, 5xx and connection errors twice
	}{
		{"found", nil, "p", nil, 0, 1},
		{"404 path", nil, "missing", vaultly.ErrNotFound, 404, 1},
		{"403", &vaulttest.Fault{Status: 403}, "p", vaultly.ErrAuth, 403, 1},
		{"401", &vaulttest.Fault{Status: 401}, "p", vaultly.ErrAuth, 401, 1},
		{"412", &vaulttest.Fault{Status: 412}, "p", vaultly.ErrTransient, 412, 3},
		{"429", &vaulttest.Fault{Status: 429}, "p", vaultly.ErrTransient, 429, 3},
		{"500", &vaulttest.Fault{Status: 500}, "p", vaultly.ErrTransient, 500, 3},
		{"502", &vaulttest.Fault{Status: 502}, "p", vaultly.ErrTransient, 502, 3},
		{"503 sealed", &vaulttest.Fault{Status: 503}, "p", vaultly.ErrTransient, 503, 3},
		{"400 unknown", &vaulttest.Fault{Status: 400}, "p", vaultly.ErrTransient, 400, 1},
		{"dropped connection", &vaulttest.Fault{Drop: true}, "p", vaultly.ErrTransient, 0, 3},
		{"503 then recovery", &vaulttest.Fault{Status: 503, Times: 2}, "p", nil, 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := vaulttest.NewServer(t)
			srv.Put("p", map[string]any{"value": "s3cret"})
			if tt.fault != nil {
				srv.Inject(*tt.fault)
			}
			b := newBackend(t, srv)
			got, err := b.Get(context.Background(), vaultly.Ref{Path: tt.path})
			if tt.wantKind == nil {
				if err != nil || got != "s3cret" {
					t.Fatalf("Get = %q, %v; want the value", got, err)
				}
			} else {
				if !errors.Is(err, tt.wantKind) {
					t.Fatalf("err = %v, want %v", err, tt.wantKind)
				}
				for _, other := range []error{vaultly.ErrNotFound, vaultly.ErrAuth, vaultly.ErrTransient, vaultly.ErrConfig} {
					if other != tt.wantKind && errors.Is(err, other) {
						t.Errorf("err = %v also matches %v", err, other)
					}
				}
				var be *vaultly.BackendError
				if !errors.As(err, &be) || be.Backend != "vault" || be.Ref.Path != tt.path {
					t.Errorf("err = %#v, want a *vaultly.BackendError for vault and %q", err, tt.path)
				}
				noValue(t, err, "s3cret")
			}
			var re *api.ResponseError
			if tt.wantStatus != 0 && (!errors.As(err, &re) || re.StatusCode != tt.wantStatus) {
				t.Errorf("err = %v, want a reachable *api.ResponseError with status %d", err, tt.wantStatus)
			}
			if n := srv.Reads(tt.path); n != tt.wantReads {
				t.Errorf("reads = %d, want %d", n, tt.wantReads)
			}
		})
	}
}

func TestConnectionRefusedIsTransient(t *testing.T) {
	t.Parallel()
	dead := httptest.NewServer(http.NotFoundHandler())
	addr := dead.URL
	dead.Close()
	c, err := api.NewClient(&api.Config{Address: addr, MaxRetries: 1, MinRetryWait: time.Millisecond, MaxRetryWait: time.Millisecond, HttpClient: &http.Client{}})
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken("t")
	b, err := vault.New(vault.WithClient(c))
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Get(context.Background(), vaultly.Ref{Path: "p"})
	if !errors.Is(err, vaultly.ErrTransient) {
		t.Fatalf("err = %v, want ErrTransient", err)
	}
}

// The client's own timeout is transient; the caller's cancellation or
// deadline is a context error and never transient.
func TestTimeoutsAndCancellation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("client timeout", func(t *testing.T) {
		t.Parallel()
		srv := vaulttest.NewServer(t)
		hold := make(chan struct{})
		t.Cleanup(func() { close(hold) })
		srv.Inject(vaulttest.Fault{Hold: hold})
		c := srv.Client()
		c.SetClientTimeout(20 * time.Millisecond)
		b := newBackendWithClient(t, c)
		_, err := b.Get(ctx, vaultly.Ref{Path: "p"})
		if !errors.Is(err, vaultly.ErrTransient) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want ErrTransient wrapping DeadlineExceeded", err)
		}
	})

	t.Run("caller cancels", func(t *testing.T) {
		t.Parallel()
		srv := vaulttest.NewServer(t)
		hold := make(chan struct{})
		t.Cleanup(func() { close(hold) })
		srv.Inject(vaulttest.Fault{Hold: hold})
		b := newBackend(t, srv)
		cctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() {
			_, err := b.Get(cctx, vaultly.Ref{Path: "p"})
			done <- err
		}()
		cancel()
		err := <-done
		if !errors.Is(err, context.Canceled) || errors.Is(err, vaultly.ErrTransient) {
			t.Fatalf("err = %v, want context.Canceled and not ErrTransient", err)
		}
		if k := vaultly.KindOf(err); k != "canceled" {
			t.Errorf("KindOf = %v, want canceled", k)
		}
	})

	t.Run("caller deadline", func(t *testing.T) {
		t.Parallel()
		srv := vaulttest.NewServer(t)
		hold := make(chan struct{})
		t.Cleanup(func() { close(hold) })
		srv.Inject(vaulttest.Fault{Hold: hold})
		b := newBackend(t, srv)
		dctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		defer cancel()
		_, err := b.Get(dctx, vaultly.Ref{Path: "p"})
		if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, vaultly.ErrTransient) {
			t.Fatalf("err = %v, want DeadlineExceeded and not ErrTransient", err)
		}
	})

	t.Run("already cancelled", func(t *testing.T) {
		t.Parallel()
		srv := vaulttest.NewServer(t)
		b := newBackend(t, srv)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := b.Get(cctx, vaultly.Ref{Path: "p"})
		if !errors.Is(err, context.Canceled) || errors.Is(err, vaultly.ErrTransient) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if n := len(srv.Requests()); n != 0 {
			t.Errorf("%d requests, want 0", n)
		}
	})
}

func newBackendWithClient(t *testing.T, c *api.Client, opts ...vault.Option) *vault.Backend {
	t.Helper()
	// Pinned to KV v2 like newBackend, so that request counts hold only
	// the reads.
	b, err := vault.New(append([]vault.Option{vault.WithClient(c), vault.WithKVVersion(2)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
