package flight

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vaultly/vaultly/internal/fanout"
)

// waitFor blocks until g's call for key has n callers waiting for it. The
// count is not observable from outside, so this polls, bounded by a
// deadline; it never sleeps.
func waitFor(t *testing.T, g *Group[string, string], key string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		g.mu.Lock()
		c := g.calls[key]
		got := 0
		if c != nil {
			got = c.waiters
		}
		g.mu.Unlock()
		if got == n {
			return
		}
		runtime.Gosched()
	}
	t.Fatalf("the call for %q never had %d callers waiting", key, n)
}

type result struct {
	val string
	err error
}

// do runs g.Do on a goroutine and returns the channel of its result.
func do(ctx context.Context, g *Group[string, string], key string, fn func(context.Context) (string, error)) <-chan result {
	ch := make(chan result, 1)
	go func() {
		v, err := g.Do(ctx, key, fn)
		ch <- result{v, err}
	}()
	return ch
}

// gated is an fn that counts its calls, reports each start on started
// (with the call's context), and answers val once release is closed.
type gated struct {
	calls   atomic.Int32
	started chan context.Context
	release chan struct{}
	val     string
	err     error
}

func newGated(val string) *gated {
	return &gated{started: make(chan context.Context, 16), release: make(chan struct{}), val: val}
}

func (f *gated) fn(ctx context.Context) (string, error) {
	f.calls.Add(1)
	f.started <- ctx
	<-f.release
	return f.val, f.err
}

func TestSharedCall(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		callers int
		err     error
	}{
		{"one caller", 1, nil},
		{"many callers", 16, nil},
		{"the error is shared too", 8, errors.New("boom")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var g Group[string, string]
			f := newGated("v")
			f.err = tt.err
			var results []<-chan result
			for range tt.callers {
				results = append(results, do(context.Background(), &g, "k", f.fn))
			}
			<-f.started
			waitFor(t, &g, "k", tt.callers)
			close(f.release)
			for i, ch := range results {
				r := <-ch
				if r.val != "v" || r.err != tt.err {
					t.Errorf("caller %d: Do = %q, %v; want %q, %v", i, r.val, r.err, "v", tt.err)
				}
			}
			if n := f.calls.Load(); n != 1 {
				t.Errorf("fn called %d times for %d callers, want 1", n, tt.callers)
			}
			// The call is over: the next Do starts a new one.
			f2 := newGated("w")
			close(f2.release)
			if v, err := g.Do(context.Background(), "k", f2.fn); v != "w" || err != nil || f2.calls.Load() != 1 {
				t.Errorf("Do after the call ended = %q, %v with %d calls; want a new call answering w", v, err, f2.calls.Load())
			}
		})
	}
}

func TestKeysAreIndependent(t *testing.T) {
	t.Parallel()
	var g Group[string, string]
	a, b := newGated("a"), newGated("b")
	ra := do(context.Background(), &g, "a", a.fn)
	rb := do(context.Background(), &g, "b", b.fn)
	<-a.started
	<-b.started // both run at once
	close(b.release)
	if r := <-rb; r.val != "b" || r.err != nil {
		t.Errorf("Do(b) = %q, %v; want b", r.val, r.err)
	}
	close(a.release)
	if r := <-ra; r.val != "a" || r.err != nil {
		t.Errorf("Do(a) = %q, %v; want a", r.val, r.err)
	}
}

// TestCallerThatLeaves: a caller whose context ends gets ctx.Err() at
// once, while the call still runs; the call is not cancelled for the
// callers still waiting, who get its value.
func TestCallerThatLeaves(t *testing.T) {
	t.Parallel()
	for _, first := range []bool{true, false} {
		name := "leaver started the call"
		if !first {
			name = "leaver joined the call"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var g Group[string, string]
			f := newGated("v")
			ctx, end := context.WithCancel(context.Background())
			var leaver, stayer <-chan result
			if first {
				leaver = do(ctx, &g, "k", f.fn)
				waitFor(t, &g, "k", 1)
				stayer = do(context.Background(), &g, "k", f.fn)
			} else {
				stayer = do(context.Background(), &g, "k", f.fn)
				waitFor(t, &g, "k", 1)
				leaver = do(ctx, &g, "k", f.fn)
			}
			cctx := <-f.started
			waitFor(t, &g, "k", 2)
			end()
			r := <-leaver // fn is still blocked: the answer came at once
			if r.val != "" || r.err != context.Canceled {
				t.Errorf("leaver: Do = %q, %v; want context.Canceled", r.val, r.err)
			}
			waitFor(t, &g, "k", 1)
			if err := cctx.Err(); err != nil {
				t.Errorf("the call's context ended (%v) though a caller still waits", err)
			}
			close(f.release)
			if r := <-stayer; r.val != "v" || r.err != nil {
				t.Errorf("stayer: Do = %q, %v; want v", r.val, r.err)
			}
			if n := f.calls.Load(); n != 1 {
				t.Errorf("fn called %d times, want 1", n)
			}
		})
	}
}

// TestEveryCallerLeaves: when the last caller leaves, the call's context
// is cancelled, and a later Do starts a new call, even while the old fn
// has not returned yet.
func TestEveryCallerLeaves(t *testing.T) {
	t.Parallel()
	var g Group[string, string]
	old := newGated("old")
	ctx1, cancel1 := context.WithCancel(context.Background())
	ctx2, cancel2 := context.WithCancel(context.Background())
	r1 := do(ctx1, &g, "k", old.fn)
	cctx := <-old.started
	r2 := do(ctx2, &g, "k", old.fn)
	waitFor(t, &g, "k", 2)

	cancel1()
	if r := <-r1; !errors.Is(r.err, context.Canceled) {
		t.Errorf("first caller: Do error = %v, want context.Canceled", r.err)
	}
	if cctx.Err() != nil {
		t.Fatal("the call was cancelled while a caller still waited")
	}
	cancel2()
	if r := <-r2; !errors.Is(r.err, context.Canceled) {
		t.Errorf("second caller: Do error = %v, want context.Canceled", r.err)
	}
	<-cctx.Done() // fn sees the cancellation
	if !errors.Is(cctx.Err(), context.Canceled) {
		t.Errorf("call context error = %v, want context.Canceled", cctx.Err())
	}

	// old.fn has not returned: a later Do still starts afresh.
	fresh := newGated("new")
	r3 := do(context.Background(), &g, "k", fresh.fn)
	fctx := <-fresh.started
	if fctx.Err() != nil {
		t.Error("the new call's context starts cancelled")
	}
	close(fresh.release)
	if r := <-r3; r.val != "new" || r.err != nil {
		t.Errorf("Do after every caller left = %q, %v; want new", r.val, r.err)
	}
	close(old.release) // the abandoned call ends; nobody hears it
	if n, m := old.calls.Load(), fresh.calls.Load(); n != 1 || m != 1 {
		t.Errorf("calls = %d old, %d new; want 1 each", n, m)
	}
	// The abandoned call ending does not disturb the group: the next Do
	// starts a new call.
	again := newGated("again")
	close(again.release)
	if v, err := g.Do(context.Background(), "k", again.fn); v != "again" || err != nil {
		t.Errorf("Do = %q, %v; want again", v, err)
	}
}

// TestEndedContext: a context that ended before Do returns its error at
// once and does not call fn, nor touch a call in flight.
func TestEndedContext(t *testing.T) {
	t.Parallel()
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(1, 0))
	defer cancel2()
	tests := []struct {
		name     string
		ctx      context.Context
		want     error
		inFlight bool
	}{
		{"canceled", canceled, context.Canceled, false},
		{"deadline", expired, context.DeadlineExceeded, false},
		{"canceled with a call in flight", canceled, context.Canceled, true},
		{"deadline with a call in flight", expired, context.DeadlineExceeded, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var g Group[string, string]
			running := newGated("v")
			var r <-chan result
			var cctx context.Context
			if tt.inFlight {
				r = do(context.Background(), &g, "k", running.fn)
				cctx = <-running.started
				waitFor(t, &g, "k", 1)
			}
			var called atomic.Bool
			v, err := g.Do(tt.ctx, "k", func(context.Context) (string, error) {
				called.Store(true)
				return "x", nil
			})
			if v != "" || err != tt.want {
				t.Errorf("Do = %q, %v; want %v", v, err, tt.want)
			}
			if called.Load() {
				t.Error("fn was called for an ended context")
			}
			if tt.inFlight {
				waitFor(t, &g, "k", 1) // not counted, not subtracted
				if cctx.Err() != nil {
					t.Error("an ended caller cancelled the call in flight")
				}
				close(running.release)
				if res := <-r; res.val != "v" || res.err != nil {
					t.Errorf("the waiting caller got %q, %v; want v", res.val, res.err)
				}
			}
		})
	}
}

// TestDoNew: DoNew starts a new call though one is in flight, and later
// callers share the new one; the old call goes on for its own callers, and
// its end does not remove the new call.
func TestDoNew(t *testing.T) {
	t.Parallel()
	var g Group[string, string]
	first, second := newGated("first"), newGated("second")
	ra := do(context.Background(), &g, "k", first.fn)
	<-first.started

	rb := make(chan result, 1)
	go func() {
		v, err := g.DoNew(context.Background(), "k", second.fn)
		rb <- result{v, err}
	}()
	<-second.started
	waitFor(t, &g, "k", 1)

	close(first.release) // the forgotten call ends first
	if r := <-ra; r.val != "first" || r.err != nil {
		t.Errorf("caller of the forgotten call got %q, %v; want first", r.val, r.err)
	}
	rc := do(context.Background(), &g, "k", func(context.Context) (string, error) {
		t.Error("a caller after the forgotten call ended started a third call")
		return "third", nil
	})
	waitFor(t, &g, "k", 2) // it joined the new call
	close(second.release)
	for i, ch := range []<-chan result{rb, rc} {
		if r := <-ch; r.val != "second" || r.err != nil {
			t.Errorf("caller %d of the new call got %q, %v; want second", i, r.val, r.err)
		}
	}
	if n, m := first.calls.Load(), second.calls.Load(); n != 1 || m != 1 {
		t.Errorf("calls = %d first, %d second; want 1 each", n, m)
	}
}

type ctxKey struct{}

// TestCallContextKeepsFirstCallersValues: fn's context carries the values
// of the caller that started the call, not its cancellation.
func TestCallContextKeepsFirstCallersValues(t *testing.T) {
	t.Parallel()
	var g Group[string, string]
	seen := make(chan any, 1)
	release := make(chan struct{})
	fn := func(ctx context.Context) (string, error) {
		<-release
		seen <- ctx.Value(ctxKey{})
		return "v", ctx.Err()
	}
	ctx1, cancel1 := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "first"))
	r1 := do(ctx1, &g, "k", fn)
	waitFor(t, &g, "k", 1)
	r2 := do(context.WithValue(context.Background(), ctxKey{}, "second"), &g, "k", fn)
	waitFor(t, &g, "k", 2)
	cancel1() // the first caller leaves; its values stay with the call
	if r := <-r1; !errors.Is(r.err, context.Canceled) {
		t.Errorf("first caller: %v, want context.Canceled", r.err)
	}
	close(release)
	if v := <-seen; v != "first" {
		t.Errorf("fn saw value %v, want the first caller's", v)
	}
	if r := <-r2; r.val != "v" || r.err != nil {
		t.Errorf("second caller got %q, %v; want v with a live call context", r.val, r.err)
	}
}

// TestPanicAndGoexit: a call that panics, or calls runtime.Goexit, gives
// fanout.ErrPanicked to every caller, and the group goes on working.
func TestPanicAndGoexit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		die  func()
	}{
		{"panic", func() { panic("hunter2") }},
		{"panic with an error", func() { panic(errors.New("hunter2")) }},
		{"panic(nil)", func() { panic(nil) }},
		{"Goexit", runtime.Goexit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var g Group[string, string]
			release := make(chan struct{})
			var calls atomic.Int32
			fn := func(context.Context) (string, error) {
				calls.Add(1)
				<-release
				tt.die()
				return "unreachable", nil
			}
			const n = 4
			var results []<-chan result
			for range n {
				results = append(results, do(context.Background(), &g, "k", fn))
			}
			waitFor(t, &g, "k", n)
			close(release)
			for i, ch := range results {
				if r := <-ch; r.val != "" || r.err != fanout.ErrPanicked {
					t.Errorf("caller %d got %q, %v; want %v", i, r.val, r.err, fanout.ErrPanicked)
				}
			}
			if c := calls.Load(); c != 1 {
				t.Errorf("fn called %d times, want 1", c)
			}
			if v, err := g.Do(context.Background(), "k", func(context.Context) (string, error) { return "ok", nil }); v != "ok" || err != nil {
				t.Errorf("Do after the panic = %q, %v; want ok", v, err)
			}
		})
	}
}

// TestConcurrentChurn mixes callers that stay and callers that leave on
// many keys, for the race detector: every staying caller gets its key's
// value.
func TestConcurrentChurn(t *testing.T) {
	t.Parallel()
	var g Group[string, string]
	keys := []string{"a", "b", "c"}
	var wg sync.WaitGroup
	for i := range 60 {
		key := keys[i%len(keys)]
		wg.Go(func() {
			ctx := context.Background()
			if i%3 == 0 {
				c, cancel := context.WithCancel(ctx)
				cancel()
				ctx = c
			}
			v, err := g.Do(ctx, key, func(ctx context.Context) (string, error) {
				runtime.Gosched()
				return key, nil
			})
			if i%3 == 0 {
				if err != context.Canceled {
					t.Errorf("ended caller got %q, %v", v, err)
				}
				return
			}
			if v != key || err != nil {
				t.Errorf("Do(%s) = %q, %v", key, v, err)
			}
		})
	}
	wg.Wait()
}
