package vaultly_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/backends/mock"
)

// The tests in this file pin the cache's rules: which answer a slot keeps
// (record), when a reader shares a call, what a panicking backend turns
// into, when a stale value may be served, and that a Loader is collected.

// rulesSecret loads, through l, a struct whose one field is a
// Secret[string] at "/k" with the given tag options, and returns it.
func rulesSecret(t *testing.T, l *vaultly.Loader, options string) *vaultly.Secret[string] {
	t.Helper()
	tag := `secret:"/k"`
	if options != "" {
		tag = `secret:"/k,` + options + `"`
	}
	typ := reflect.StructOf([]reflect.StructField{{
		Name: "S", Type: reflect.TypeFor[vaultly.Secret[string]](), Tag: reflect.StructTag(tag),
	}})
	dst := reflect.New(typ)
	if err := l.Load(context.Background(), dst.Interface()); err != nil {
		t.Fatalf("Load: %v", err)
	}
	return dst.Elem().Field(0).Addr().Interface().(*vaultly.Secret[string])
}

// rulesLog is a log sink safe for concurrent use; each write is also
// reported on wrote when it is set.
type rulesLog struct {
	mu    sync.Mutex
	b     bytes.Buffer
	wrote chan struct{}
}

func (w *rulesLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.wrote != nil {
		select {
		case w.wrote <- struct{}{}:
		default:
		}
	}
	return w.b.Write(p)
}

func (w *rulesLog) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// lateBatch is a BatchBackend whose GetBatch, once held, reads the value,
// reports it on read, and answers only when gate is closed: a Load batch
// that is slow to land. Get answers the current value at once.
type lateBatch struct {
	mu   sync.Mutex
	val  string
	gets int

	hold atomic.Bool
	read chan string
	gate chan struct{}
}

func newLateBatch(v string) *lateBatch {
	return &lateBatch{val: v, read: make(chan string, 1), gate: make(chan struct{})}
}

func (b *lateBatch) set(v string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.val = v
}

func (b *lateBatch) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.gets++
	return b.val, nil
}

func (b *lateBatch) getCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.gets
}

func (b *lateBatch) GetBatch(ctx context.Context, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	b.mu.Lock()
	v := b.val
	b.mu.Unlock()
	if b.hold.Load() {
		b.read <- v
		select {
		case <-b.gate:
		case <-ctx.Done():
			return nil, backendkit.NewCanceledError("late", vaultly.Ref{}, ctx.Err(), nil)
		}
	}
	out := make(map[vaultly.Ref]string, len(refs))
	for _, r := range refs {
		out[r] = v
	}
	return out, nil
}

type lateCfg struct {
	S vaultly.Secret[string] `secret:"/k,ttl=1h"`
}

// TestLateLoadBatchDoesNotOverwriteNewerValue: a Load whose batch read v1
// and lands after a Refresh (or an Invalidate and a Get) answered v2 does
// not put v1 back: every later Get, through either Load's Secret, is v2,
// from the cache.
func TestLateLoadBatchDoesNotOverwriteNewerValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		between func(ctx context.Context, l *vaultly.Loader, s *vaultly.Secret[string]) (string, error)
	}{
		{"Refresh", func(ctx context.Context, _ *vaultly.Loader, s *vaultly.Secret[string]) (string, error) {
			return s.Refresh(ctx)
		}},
		{"Invalidate and Get", func(ctx context.Context, l *vaultly.Loader, s *vaultly.Secret[string]) (string, error) {
			l.Invalidate(s.Ref())
			return s.Get(ctx)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			b := newLateBatch("v1")
			l := mustLoader(t, b, vaultly.WithPrefetch(true))
			var first, second lateCfg
			if err := l.Load(ctx, &first); err != nil {
				t.Fatal(err)
			}
			b.hold.Store(true)
			loaded := make(chan error, 1)
			go func() { loaded <- l.Load(ctx, &second) }()
			if v := <-b.read; v != "v1" {
				t.Fatalf("the slow batch read %q, want v1", v)
			}
			b.set("v2")
			if v, err := tt.between(ctx, l, &first.S); v != "v2" || err != nil {
				t.Fatalf("%s = %q, %v; want v2", tt.name, v, err)
			}
			close(b.gate)
			if err := <-loaded; err != nil {
				t.Fatalf("slow Load: %v", err)
			}
			gets := b.getCount()
			for i, s := range []*vaultly.Secret[string]{&first.S, &second.S, &first.S, &second.S} {
				if v, err := s.Get(ctx); v != "v2" || err != nil {
					t.Errorf("Get %d after the slow batch landed = %q, %v; want v2", i, v, err)
				}
			}
			if n := b.getCount() - gets; n != 0 {
				t.Errorf("later Gets asked the backend %d times, want 0 (v2 is cached)", n)
			}
		})
	}
}

// TestReaderJoiningJustAfterAFetchTakesItsAnswer: a reader that found the
// entry expired while a fetch was in flight, and reaches the single flight
// just after that fetch ended, takes the entry it published instead of
// starting a second backend call.
//
// The reader is held in the gap with the OnCacheMiss hook, which runs
// after the reader's freshness check and before it joins the flight; the
// clock is not read in that gap (Secret.Get reads it before it loads the
// entry), so a blocking clock could not hold the reader there.
func TestReaderJoiningJustAfterAFetchTakesItsAnswer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		start func(s *vaultly.Secret[string], ctx context.Context) (string, error)
	}{
		{"fetch of a Get", (*vaultly.Secret[string]).Get},
		{"fetch of a Refresh", (*vaultly.Secret[string]).Refresh},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			clk := newClock()
			b := mock.New(map[string]string{"/k": "v1"})
			var park atomic.Bool
			parked, resume := make(chan struct{}), make(chan struct{})
			hooks := vaultly.Hooks{OnCacheMiss: func(vaultly.Ref) {
				if park.CompareAndSwap(true, false) {
					close(parked)
					<-resume
				}
			}}
			l := mustLoader(t, b, vaultly.WithClock(clk.Now), vaultly.WithHooks(hooks))
			s := rulesSecret(t, l, "ttl=1m")
			if v, err := s.Get(ctx); v != "v1" || err != nil {
				t.Fatalf("first Get = %q, %v", v, err)
			}
			clk.Advance(2 * time.Minute)
			b.Set("/k", "v2")
			b.ResetCalls()

			release := b.Hold("/k")
			type res struct {
				v   string
				err error
			}
			fetched := make(chan res, 1)
			go func() { v, err := tt.start(s, ctx); fetched <- res{v, err} }()
			if err := b.AwaitWaiting(ctx, 1); err != nil {
				t.Fatal(err)
			}
			park.Store(true)
			reader := make(chan res, 1)
			go func() { v, err := s.Get(ctx); reader <- res{v, err} }()
			<-parked // the reader found v1 expired and has not joined yet
			release()
			if r := <-fetched; r.v != "v2" || r.err != nil {
				t.Fatalf("the fetch in flight answered %q, %v; want v2", r.v, r.err)
			}
			close(resume) // the fetch has ended and published v2
			if r := <-reader; r.v != "v2" || r.err != nil {
				t.Errorf("the late reader got %q, %v; want v2", r.v, r.err)
			}
			if n := b.Requests(); n != 1 {
				t.Errorf("backend calls = %d (%v), want 1: the late reader must take the published answer", n, b.Calls())
			}
		})
	}
}

// panicky is a Backend whose Get panics, once armed, with a value that
// holds a secret.
type panicky struct{ armed atomic.Bool }

func (*panicky) Name() string { return "panicky" }

func (p *panicky) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	if p.armed.Load() {
		panic("the password is hunter2")
	}
	return "ok-" + ref.Path, nil
}

// panickyBatch is a panicky BatchBackend: GetBatch panics too.
type panickyBatch struct{ panicky }

func (p *panickyBatch) GetBatch(ctx context.Context, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	if p.armed.Load() {
		panic(fmt.Errorf("batch of %d: hunter2", len(refs)))
	}
	out := make(map[vaultly.Ref]string, len(refs))
	for _, r := range refs {
		out[r] = "ok-" + r.Path
	}
	return out, nil
}

type panicCfg struct {
	P string                 `secret:"/p"`
	S vaultly.Secret[string] `secret:"/s,ttl=1m"`
}

// TestPanickingBackend: a backend that panics, in Load's fan-out, in
// Load's batch, in a lazy Get or in a background refresh-ahead, leaves the
// process running; the failure is an ErrTransient *vaultly.BackendError
// that names the backend, reported with the path, and the panic value is
// in no error, hook argument or log line.
func TestPanickingBackend(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		batch    bool
		prefetch bool
		// run exercises the Loader with the backend armed and returns the
		// error a caller got (nil when the caller saw none), and the paths
		// the failure must name. logged is told of every log line.
		run func(t *testing.T, l *vaultly.Loader, p *panicky, clk *mock.Clock, logged <-chan struct{}) ([]string, error)
	}{
		{"Load fan-out", false, true, func(t *testing.T, l *vaultly.Loader, p *panicky, _ *mock.Clock, _ <-chan struct{}) ([]string, error) {
			p.armed.Store(true)
			var cfg panicCfg
			return []string{"/p", "/s"}, l.Load(context.Background(), &cfg)
		}},
		{"Load batch", true, true, func(t *testing.T, l *vaultly.Loader, p *panicky, _ *mock.Clock, _ <-chan struct{}) ([]string, error) {
			p.armed.Store(true)
			var cfg panicCfg
			return []string{"/p", "/s"}, l.Load(context.Background(), &cfg)
		}},
		{"lazy Get", false, false, func(t *testing.T, l *vaultly.Loader, p *panicky, clk *mock.Clock, logged <-chan struct{}) ([]string, error) {
			var cfg struct {
				S vaultly.Secret[string] `secret:"/s,ttl=1m"`
			}
			if err := l.Load(context.Background(), &cfg); err != nil {
				t.Fatal(err)
			}
			p.armed.Store(true)
			v, err := cfg.S.Get(context.Background())
			if v != "" {
				t.Errorf("Get = %q with a panicking backend", v)
			}
			return []string{"/s"}, err
		}},
		{"lazy Get of a batch backend", true, false, func(t *testing.T, l *vaultly.Loader, p *panicky, clk *mock.Clock, logged <-chan struct{}) ([]string, error) {
			var cfg struct {
				S vaultly.Secret[string] `secret:"/s,ttl=1m"`
			}
			if err := l.Load(context.Background(), &cfg); err != nil {
				t.Fatal(err)
			}
			p.armed.Store(true)
			_, err := cfg.S.Get(context.Background())
			return []string{"/s"}, err
		}},
		{"background refresh-ahead", false, false, func(t *testing.T, l *vaultly.Loader, p *panicky, clk *mock.Clock, logged <-chan struct{}) ([]string, error) {
			var cfg panicCfg
			if err := l.Load(context.Background(), &cfg); err != nil {
				t.Fatal(err)
			}
			if v, err := cfg.S.Get(context.Background()); v != "ok-/s" || err != nil {
				t.Fatalf("first Get = %q, %v", v, err)
			}
			p.armed.Store(true)
			clk.Advance(40 * time.Second) // past half the TTL
			if v, err := cfg.S.Get(context.Background()); v != "ok-/s" || err != nil {
				t.Errorf("Get that starts the refresh = %q, %v; want the current value", v, err)
			}
			<-logged // the refresh failed and said so (Close now would cancel it)
			if v, err := cfg.S.Get(context.Background()); v != "ok-/s" || err != nil {
				t.Errorf("Get after the failed refresh = %q, %v; want the current value", v, err)
			}
			return []string{"/s"}, nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			logs := rulesLog{wrote: make(chan struct{}, 16)}
			var mu sync.Mutex
			var hookErrs []error
			hooks := vaultly.Hooks{OnFetch: func(ref vaultly.Ref, _ time.Duration, err error) {
				if err != nil {
					mu.Lock()
					hookErrs = append(hookErrs, err)
					mu.Unlock()
				}
			}}
			clk := newClock()
			pb := &panickyBatch{}
			var b vaultly.Backend = &pb.panicky
			if tt.batch {
				b = pb
			}
			l := mustLoader(t, b, vaultly.WithClock(clk.Now), vaultly.WithHooks(hooks),
				vaultly.WithRefreshAhead(0.5), vaultly.WithPrefetch(tt.prefetch),
				vaultly.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			defer l.Close()

			paths, err := tt.run(t, l, &pb.panicky, clk, logs.wrote)
			l.Close()

			mu.Lock()
			errs := append([]error(nil), hookErrs...)
			mu.Unlock()
			if len(errs) == 0 {
				t.Fatal("no failed fetch reported to OnFetch")
			}
			if err != nil {
				errs = append(errs, err)
			} else if !strings.Contains(logs.String(), "background refresh failed") {
				t.Errorf("the failed background refresh was not logged: %q", logs.String())
			}
			for _, e := range errs {
				if !errors.Is(e, vaultly.ErrTransient) {
					t.Errorf("error %q is not ErrTransient", e)
				}
				var be *vaultly.BackendError
				if !errors.As(e, &be) || be.Backend != "panicky" {
					t.Errorf("error %q is not a *vaultly.BackendError naming the backend", e)
				}
				if strings.Contains(e.Error(), "hunter2") {
					t.Errorf("error shows the panic value: %q", e)
				}
			}
			text := logs.String()
			if err != nil {
				text = err.Error()
			}
			for _, p := range paths {
				if !strings.Contains(text, p) {
					t.Errorf("the failure does not name %s: %q", p, text)
				}
			}
			if !strings.Contains(text, "panicky") {
				t.Errorf("the failure does not name the backend: %q", text)
			}
			if strings.Contains(logs.String(), "hunter2") {
				t.Errorf("a log line shows the panic value: %q", logs.String())
			}
		})
	}
}

// TestOnlyTransientFailureOpensStaleWindow: on a stale_on_error Secret, a
// read that the store answers not found or denied drops the value: the
// next reads return the error (an optional field reads ""), never the old
// value, also within the stale retry interval, and each asks the store.
func TestOnlyTransientFailureOpensStaleWindow(t *testing.T) {
	t.Parallel()
	notFound := backendkit.NewError("mock", vaultly.ErrNotFound, vaultly.Ref{Path: "/k"}, nil)
	tests := []struct {
		name    string
		options string
		fail    func(b *mock.Backend)
		kind    error // nil: the read answers "" without error (optional)
		expire  bool  // let the value expire before the store fails
		refresh bool  // discover the failure with Refresh
		outage  bool  // a transient outage first, serving stale
	}{
		{name: "deleted", options: "ttl=1m,stale_on_error", fail: func(b *mock.Backend) { b.Delete("/k") }, kind: vaultly.ErrNotFound, expire: true},
		{name: "not found error", options: "ttl=1m,stale_on_error", fail: func(b *mock.Backend) { b.FailAll(notFound) }, kind: vaultly.ErrNotFound, expire: true},
		{name: "denied", options: "ttl=1m,stale_on_error", fail: func(b *mock.Backend) { b.Fail("/k", vaultly.ErrAuth) }, kind: vaultly.ErrAuth, expire: true},
		{name: "bounded stale", options: "ttl=1m,stale_on_error=1h", fail: func(b *mock.Backend) { b.Delete("/k") }, kind: vaultly.ErrNotFound, expire: true},
		{name: "optional deleted", options: "ttl=1m,stale_on_error,optional", fail: func(b *mock.Backend) { b.Delete("/k") }, expire: true},
		{name: "optional not found error", options: "ttl=1m,stale_on_error,optional", fail: func(b *mock.Backend) { b.FailAll(notFound) }, expire: true},
		{name: "after an outage", options: "ttl=1m,stale_on_error", fail: func(b *mock.Backend) { b.FailAll(nil); b.Delete("/k") }, kind: vaultly.ErrNotFound, expire: true, outage: true},
		{name: "optional after an outage", options: "ttl=1m,stale_on_error,optional", fail: func(b *mock.Backend) { b.FailAll(nil); b.Delete("/k") }, expire: true, outage: true},
		{name: "found by Refresh while fresh", options: "ttl=1m,stale_on_error", fail: func(b *mock.Backend) { b.Delete("/k") }, kind: vaultly.ErrNotFound, refresh: true},
		{name: "denied to Refresh while fresh", options: "ttl=1m,stale_on_error", fail: func(b *mock.Backend) { b.Fail("/k", vaultly.ErrAuth) }, kind: vaultly.ErrAuth, refresh: true},
		{name: "optional found by Refresh while fresh", options: "ttl=1m,stale_on_error,optional", fail: func(b *mock.Backend) { b.Delete("/k") }, refresh: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			clk := newClock()
			b := mock.New(map[string]string{"/k": "old"})
			l := mustLoader(t, b, vaultly.WithClock(clk.Now), vaultly.WithStaleRetryInterval(time.Minute))
			s := rulesSecret(t, l, tt.options)
			if v, err := s.Get(ctx); v != "old" || err != nil {
				t.Fatalf("first Get = %q, %v", v, err)
			}
			if tt.expire {
				clk.Advance(2 * time.Minute)
			}
			if tt.outage {
				b.FailAll(errors.New("connection refused"))
				for range 2 { // the window is open: stale, without asking again
					if v, err := s.Get(ctx); v != "old" || err != nil {
						t.Fatalf("Get during the outage = %q, %v; want the stale value", v, err)
					}
				}
				clk.Advance(2 * time.Minute) // past the retry interval
			}
			tt.fail(b)
			check := func(what string, v string, err error) {
				t.Helper()
				if v == "old" {
					t.Errorf("%s = %q, %v: the dropped value was served", what, v, err)
					return
				}
				if tt.kind == nil {
					if v != "" || err != nil {
						t.Errorf("%s = %q, %v; want \"\", nil for an optional field", what, v, err)
					}
					return
				}
				if !errors.Is(err, tt.kind) {
					t.Errorf("%s = %q, %v; want an error matching %v", what, v, err, tt.kind)
				}
			}
			if tt.refresh {
				v, err := s.Refresh(ctx)
				if tt.kind != nil && !errors.Is(err, tt.kind) {
					t.Errorf("Refresh = %q, %v; want %v", v, err, tt.kind)
				}
			}
			steps := []time.Duration{0, 0, time.Second, 0}
			for i, d := range steps {
				clk.Advance(d)
				before := b.Requests()
				v, err := s.Get(ctx)
				check(fmt.Sprintf("Get %d after the failure", i), v, err)
				if n := b.Requests() - before; n != 1 {
					t.Errorf("Get %d asked the store %d times, want 1 (no value, no stale window)", i, n)
				}
			}
		})
	}
}

// TestEndedCallerIsNeverAnsweredStale: during an outage a stale_on_error
// Secret serves its last value to callers still waiting, and an error to
// a caller whose context has ended, both inside the stale retry interval
// (the store is not asked) and after it.
func TestEndedCallerIsNeverAnsweredStale(t *testing.T) {
	t.Parallel()
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(1, 0))
	defer cancel2()
	tests := []struct {
		name string
		ctx  context.Context
		want error
	}{
		{"canceled", canceled, context.Canceled},
		{"deadline", expired, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			live := context.Background()
			clk := newClock()
			b := mock.New(map[string]string{"/k": "old"})
			l := mustLoader(t, b, vaultly.WithClock(clk.Now), vaultly.WithStaleRetryInterval(time.Minute))
			s := rulesSecret(t, l, "ttl=1m,stale_on_error")
			if v, err := s.Get(live); v != "old" || err != nil {
				t.Fatalf("first Get = %q, %v", v, err)
			}
			b.FailAll(errors.New("connection refused"))
			clk.Advance(2 * time.Minute)
			for _, step := range []struct {
				name    string
				advance time.Duration
			}{
				{"the failing fetch", 0},
				{"inside the retry interval", 10 * time.Second},
				{"after the retry interval", 2 * time.Minute},
			} {
				clk.Advance(step.advance)
				if v, err := s.Get(tt.ctx); v != "" || !errors.Is(err, tt.want) {
					t.Errorf("%s: Get with an ended context = %q, %v; want %v", step.name, v, err, tt.want)
				}
				if v, err := s.Get(live); v != "old" || err != nil {
					t.Errorf("%s: Get = %q, %v; want the stale value", step.name, v, err)
				}
			}
		})
	}
}

// TestDroppedLoaderIsCollected: a Loader with loaded Secrets,
// refresh-ahead (that has run) and jitter on, dropped without Close, is
// garbage collected.
func TestDroppedLoaderIsCollected(t *testing.T) {
	t.Parallel()
	collected := make(chan struct{})
	b := mock.New(map[string]string{"/k": "v1", "/p": "p"})
	clk := newClock()
	func() {
		l := mustLoader(t, b, vaultly.WithClock(clk.Now), vaultly.WithRefreshAhead(0.5),
			vaultly.WithTTLJitter(0.1), vaultly.WithPrefetch(true), vaultly.WithStaleOnError(true))
		runtime.AddCleanup(l, func(ch chan struct{}) { close(ch) }, collected)
		var cfg struct {
			P string                 `secret:"/p"`
			S vaultly.Secret[string] `secret:"/k,ttl=1m"`
			T vaultly.Secret[string] `secret:"/k,ttl=1h"`
		}
		ctx := context.Background()
		if err := l.Load(ctx, &cfg); err != nil {
			t.Fatal(err)
		}
		release := b.Hold("/k")
		clk.Advance(40 * time.Second) // past refresh-ahead, within the TTL whatever the jitter
		if v, err := cfg.S.Get(ctx); v != "v1" || err != nil {
			t.Fatalf("Get = %q, %v", v, err)
		}
		if err := b.AwaitWaiting(ctx, 1); err != nil { // the refresh runs
			t.Fatal(err)
		}
		release()
		if v, err := cfg.T.Get(ctx); v != "v1" || err != nil {
			t.Fatalf("Get = %q, %v", v, err)
		}
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		runtime.GC()
		select {
		case <-collected:
			if n := b.Requests(); n != 2 {
				t.Errorf("backend requests = %d, want 2 (Load, one refresh)", n)
			}
			return
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("a Loader dropped without Close was not collected")
		}
		runtime.Gosched()
	}
}

// TestClockEarlierThanAtNew: under WithClock, a clock that reads earlier
// than it did at New (set back after New) still expires a ttl=1m value
// after one minute.
func TestClockEarlierThanAtNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		back time.Duration
	}{
		{"1ns", time.Nanosecond},
		{"1h", time.Hour},
		{"200 years", 200 * 365 * 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			clk := newClock()
			b := mock.New(map[string]string{"/k": "v1"})
			l := mustLoader(t, b, vaultly.WithClock(clk.Now), vaultly.WithTTLJitter(0))
			clk.Advance(-tt.back)
			s := rulesSecret(t, l, "ttl=1m")
			if v, err := s.Get(ctx); v != "v1" || err != nil {
				t.Fatalf("first Get = %q, %v", v, err)
			}
			b.Set("/k", "v2")
			clk.Advance(59 * time.Second)
			if v, err := s.Get(ctx); v != "v1" || err != nil {
				t.Errorf("Get within the TTL = %q, %v; want v1", v, err)
			}
			clk.Advance(time.Second)
			if v, err := s.Get(ctx); v != "v2" || err != nil {
				t.Errorf("Get one minute after the fetch = %q, %v; want v2", v, err)
			}
			if n := b.Requests(); n != 2 {
				t.Errorf("backend requests = %d, want 2", n)
			}
		})
	}
}
