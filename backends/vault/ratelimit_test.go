package vault_test

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

func TestWithRateLimitInvalid(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	for _, tc := range []struct {
		rps   float64
		burst int
	}{{0, 1}, {-1, 1}, {math.NaN(), 1}, {math.Inf(1), 1}, {10, 0}} {
		_, err := vault.New(vault.WithClient(srv.Client()), vault.WithRateLimit(tc.rps, tc.burst))
		if !errors.Is(err, vaultly.ErrConfig) || !strings.Contains(err.Error(), "WithRateLimit") {
			t.Errorf("WithRateLimit(%v, %d): err = %v, want ErrConfig naming the option", tc.rps, tc.burst, err)
		}
	}
}

// Every request waits its turn: past the burst, a caller whose deadline
// comes before its turn gets context.DeadlineExceeded at once, and a
// cancelled caller context.Canceled, without a request.
func TestRateLimitWaits(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	srv.Put("p", map[string]any{"value": "v"})
	srv.AddDatabaseRole("app", time.Minute)
	// Two requests, then one every 10^6 s.
	b := newBackend(t, srv, vault.WithRateLimit(1e-6, 2))
	ctx := context.Background()
	if _, err := b.Get(ctx, vaultly.Ref{Path: "p"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.GetLease(ctx, vaultly.Ref{Path: "database/creds/app"}); err != nil {
		t.Fatal(err)
	}
	deadline, cancel := context.WithTimeout(ctx, time.Hour)
	defer cancel()
	canceled, cancel2 := context.WithCancel(ctx)
	cancel2()
	for _, tc := range []struct {
		ctx  context.Context
		want error
	}{{deadline, context.DeadlineExceeded}, {canceled, context.Canceled}} {
		calls := map[string]func() error{
			"Get":       func() error { _, err := b.Get(tc.ctx, vaultly.Ref{Path: "p"}); return err },
			"GetBatch":  func() error { _, err := b.GetBatch(tc.ctx, []vaultly.Ref{{Path: "p"}}); return err },
			"GetLease":  func() error { _, _, err := b.GetLease(tc.ctx, vaultly.Ref{Path: "database/creds/app"}); return err },
			"GetPrefix": func() error { _, err := b.GetPrefix(tc.ctx, "/", 10); return err },
		}
		for name, call := range calls {
			err := call()
			if !errors.Is(err, tc.want) || errors.Is(err, vaultly.ErrTransient) {
				t.Errorf("%s: err = %v, want %v and no kind", name, err, tc.want)
			}
		}
	}
	if deadline.Err() != nil {
		t.Error("a call waited for its turn instead of returning at once")
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("requests = %d, want 2", n)
	}
}

// throttleWaits records the backend's waits before retrying a 429.
type throttleWaits struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (w *throttleWaits) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	w.waits = append(w.waits, d)
	w.mu.Unlock()
	return ctx.Err()
}

func (w *throttleWaits) got() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.waits...)
}

// builtBackend returns a backend over a client New builds for srv (no
// environment), with the 429 waits recorded and the jitter fixed at half.
func builtBackend(t *testing.T, srv *vaulttest.Server, opts ...vault.Option) (*vault.Backend, *throttleWaits) {
	t.Helper()
	clearVaultEnv(t)
	b, err := vault.New(append([]vault.Option{vault.WithAddress(srv.URL()), vault.WithToken(srv.RootToken()),
		vault.WithKVVersion(2)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	w := &throttleWaits{}
	vault.SetThrottleWait(b, w.sleep, func() float64 { return 0.5 })
	return b, w
}

// With a client New builds, the backend retries a 429 itself (MaxRetries
// times), backing off from MinRetryWait with jitter; when the retries run
// out the 429 is ErrTransient.
func TestThrottledRetries(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault vaulttest.Fault
		reads int
		kind  error
		waits []time.Duration
	}{
		{"recovers", vaulttest.Fault{Status: 429, Times: 2}, 3, nil, []time.Duration{312500 * time.Microsecond, 625 * time.Millisecond}},
		{"retries run out", vaulttest.Fault{Status: 429}, 3, vaultly.ErrTransient, []time.Duration{312500 * time.Microsecond, 625 * time.Millisecond}},
		{"other statuses are the client's", vaulttest.Fault{Status: 503, Times: 2}, 3, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := vaulttest.NewServer(t)
			srv.Put("p", map[string]any{"value": "v"})
			srv.Inject(tc.fault)
			b, w := builtBackend(t, srv)
			got, err := b.Get(context.Background(), vaultly.Ref{Path: "p"})
			if tc.kind == nil && (err != nil || got != "v") {
				t.Fatalf("Get = %q, %v", got, err)
			}
			var re *api.ResponseError
			if tc.kind != nil && (!errors.Is(err, tc.kind) || !errors.As(err, &re) || re.StatusCode != 429) {
				t.Fatalf("err = %v, want %v with the 429 reachable", err, tc.kind)
			}
			if n := srv.Reads("p"); n != tc.reads {
				t.Errorf("reads = %d, want %d", n, tc.reads)
			}
			if diff := cmp.Diff(tc.waits, w.got()); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
		})
	}
}

// A backoff that would pass the caller's deadline is not waited: the 429
// stands at once.
func TestThrottledPastDeadline(t *testing.T) {
	srv := vaulttest.NewServer(t)
	srv.Put("p", map[string]any{"value": "v"})
	srv.Inject(vaulttest.Fault{Status: 429})
	b, w := builtBackend(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := b.Get(ctx, vaultly.Ref{Path: "p"}); !errors.Is(err, vaultly.ErrTransient) {
		t.Fatalf("err = %v, want ErrTransient", err)
	}
	if n, waits := srv.Reads("p"), w.got(); n != 1 || len(waits) != 0 {
		t.Errorf("reads %d, waits %v; want 1 read and no wait", n, waits)
	}
}

// The client's own retries (here of a 503) wait for the rate limit too.
func TestRateLimitCoversClientRetries(t *testing.T) {
	srv := vaulttest.NewServer(t)
	srv.Put("p", map[string]any{"value": "v"})
	srv.Inject(vaulttest.Fault{Status: http.StatusServiceUnavailable, Times: 1})
	b, _ := builtBackend(t, srv, vault.WithRateLimit(1e-6, 2))
	if got, err := b.Get(context.Background(), vaultly.Ref{Path: "p"}); err != nil || got != "v" {
		t.Fatalf("Get = %q, %v", got, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	if _, err := b.Get(ctx, vaultly.Ref{Path: "p"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("third request: err = %v, want DeadlineExceeded (the retry took the second turn)", err)
	}
	if n := srv.Reads("p"); n != 2 {
		t.Errorf("reads = %d, want 2", n)
	}
}

// A client passed with WithClient keeps its own retry policy: the backend
// adds no retries of its own.
func TestThrottledWithClient(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	srv.Put("p", map[string]any{"value": "v"})
	srv.Inject(vaulttest.Fault{Status: 429})
	b := newBackend(t, srv)
	w := &throttleWaits{}
	vault.SetThrottleWait(b, w.sleep, func() float64 { return 0 })
	if _, err := b.Get(context.Background(), vaultly.Ref{Path: "p"}); !errors.Is(err, vaultly.ErrTransient) {
		t.Fatalf("err = %v, want ErrTransient", err)
	}
	if n, waits := srv.Reads("p"), w.got(); n != 3 || len(waits) != 0 {
		t.Errorf("reads %d, backend waits %v; want the client's 3 reads and no wait of the backend", n, waits)
	}
}

// A client retry whose turn comes after the caller's deadline is not
// made: the answer it would retry stands.
func TestRateLimitRetryPastDeadline(t *testing.T) {
	srv := vaulttest.NewServer(t)
	srv.Put("p", map[string]any{"value": "v"})
	srv.Inject(vaulttest.Fault{Status: http.StatusServiceUnavailable})
	b, _ := builtBackend(t, srv, vault.WithRateLimit(1e-6, 1))
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	_, err := b.Get(ctx, vaultly.Ref{Path: "p"})
	var re *api.ResponseError
	if !errors.Is(err, vaultly.ErrTransient) || !errors.As(err, &re) || re.StatusCode != 503 {
		t.Fatalf("err = %v, want the 503 as ErrTransient", err)
	}
	if n := srv.Reads("p"); n != 1 || ctx.Err() != nil {
		t.Errorf("reads = %d (ctx %v), want 1 and no wait", n, ctx.Err())
	}
}
