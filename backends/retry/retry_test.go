package retry

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

var ref = vaultly.Ref{Path: "/db/prod/password"}

func TestGet(t *testing.T) {
	t.Parallel()
	s := time.Second
	tests := []struct {
		name       string
		errs       []error // what the inner backend answers, in turn, before succeeding
		opts       []Option
		wantCalls  int
		wantDelays []time.Duration
		wantErr    string // describe(err)
	}{
		{
			name:       "succeeds after two transient failures",
			errs:       []error{transient("a"), transient("a")},
			wantCalls:  3,
			wantDelays: []time.Duration{500 * time.Millisecond, s},
			wantErr:    "ok",
		},
		{
			name:      "first try succeeds",
			wantCalls: 1,
			wantErr:   "ok",
		},
		{
			name:      "not found is not retried",
			errs:      []error{kindErr(vaultly.ErrNotFound, "a")},
			wantCalls: 1,
			wantErr:   "not_found",
		},
		{
			name:      "auth is not retried",
			errs:      []error{kindErr(vaultly.ErrAuth, "a")},
			wantCalls: 1,
			wantErr:   "auth",
		},
		{
			name:      "config is not retried",
			errs:      []error{kindErr(vaultly.ErrConfig, "a")},
			wantCalls: 1,
			wantErr:   "config",
		},
		{
			name:       "gives up after MaxAttempts",
			errs:       []error{transient("a"), transient("a"), transient("a"), transient("a")},
			wantCalls:  3,
			wantDelays: []time.Duration{500 * time.Millisecond, s},
			wantErr:    "transient attempts=3 budget=false",
		},
		{
			name:      "MaxAttempts 1 never retries",
			errs:      []error{transient("a")},
			opts:      []Option{MaxAttempts(1)},
			wantCalls: 1,
			wantErr:   "transient attempts=1 budget=false",
		},
		{
			name:       "MaxDelay caps the doubling",
			errs:       []error{transient("a"), transient("a"), transient("a"), transient("a"), transient("a")},
			opts:       []Option{MaxAttempts(6), BaseDelay(s), MaxDelay(3 * s), TotalTimeout(time.Hour)},
			wantCalls:  6,
			wantDelays: []time.Duration{s, 2 * s, 3 * s, 3 * s, 3 * s},
			wantErr:    "ok",
		},
		{
			name:       "zero delays are allowed",
			errs:       []error{transient("a")},
			opts:       []Option{BaseDelay(0), MaxDelay(0)},
			wantCalls:  2,
			wantDelays: []time.Duration{0},
			wantErr:    "ok",
		},
		{
			name:       "Backoff overrides the exponential rule",
			errs:       []error{transient("a"), transient("a")},
			opts:       []Option{Backoff(func(n int) time.Duration { return time.Duration(n) * 7 * time.Millisecond })},
			wantCalls:  3,
			wantDelays: []time.Duration{7 * time.Millisecond, 14 * time.Millisecond},
			wantErr:    "ok",
		},
		{
			name:       "negative Backoff counts as zero",
			errs:       []error{transient("a")},
			opts:       []Option{Backoff(func(int) time.Duration { return -s })},
			wantCalls:  2,
			wantDelays: []time.Duration{0},
			wantErr:    "ok",
		},
		{
			name:       "IsRetryable can retry not found",
			errs:       []error{kindErr(vaultly.ErrNotFound, "a")},
			opts:       []Option{IsRetryable(func(err error) bool { return errors.Is(err, vaultly.ErrNotFound) })},
			wantCalls:  2,
			wantDelays: []time.Duration{500 * time.Millisecond},
			wantErr:    "ok",
		},
		{
			name:      "IsRetryable can refuse transient",
			errs:      []error{transient("a")},
			opts:      []Option{IsRetryable(func(error) bool { return false })},
			wantCalls: 1,
			wantErr:   "transient",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			inner := &scripted{errs: tt.errs}
			opts := append(clock.opts(), Jitter(false))
			b, err := New(inner, append(opts, tt.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			v, err := b.Get(context.Background(), ref)
			if diff := cmp.Diff(tt.wantErr, describe(err)); diff != "" {
				t.Errorf("error (-want +got):\n%s\nerr: %v", diff, err)
			}
			if err == nil && v != "value-of-"+ref.Path {
				t.Errorf("value = %q", v)
			}
			if diff := cmp.Diff(tt.wantCalls, inner.count()); diff != "" {
				t.Errorf("inner calls (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantDelays, clock.delays()); diff != "" {
				t.Errorf("delays (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGetKeepsCause(t *testing.T) {
	t.Parallel()
	cause := errors.New("ThrottlingException")
	inner := backendkit.Func(func(context.Context, vaultly.Ref) (string, error) {
		return "", backendkit.NewError("ssm", vaultly.ErrTransient, ref, cause)
	})
	clock := newFakeClock()
	b, err := New(inner, clock.opts()...)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Get(context.Background(), ref)
	var re *Error
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want a *retry.Error", err)
	}
	got := []bool{errors.Is(err, vaultly.ErrTransient), errors.Is(err, cause)}
	if diff := cmp.Diff([]bool{true, true}, got); diff != "" {
		t.Errorf("errors.Is transient, cause (-want +got):\n%s", diff)
	}
	for _, want := range []string{"3 attempts", "10s", "ThrottlingException"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestBudget(t *testing.T) {
	t.Parallel()
	s := time.Second
	tests := []struct {
		name       string
		opts       []Option
		cost       time.Duration // clock time each attempt takes
		wantCalls  int
		wantDelays []time.Duration
		wantErr    string
	}{
		{
			// t=0 attempt 1 ends 1s; sleep 1s to 2s; attempt 2 ends 3s;
			// a 2s sleep would end at 5s, the budget: not started.
			name:       "no sleep that ends at the budget",
			opts:       []Option{TotalTimeout(5 * s), BaseDelay(s), MaxDelay(time.Minute), MaxAttempts(10)},
			cost:       s,
			wantCalls:  2,
			wantDelays: []time.Duration{s},
			wantErr:    "transient attempts=2 budget=true",
		},
		{
			// attempt 1 ends 1s, sleep to 2s, attempt 2 ends 3s, sleep to
			// 5s, attempt 3 ends 6s; the 4s sleep would end at 10s: stop.
			name:       "budget larger than two sleeps",
			opts:       []Option{TotalTimeout(10 * s), BaseDelay(s), MaxDelay(time.Minute), MaxAttempts(10)},
			cost:       s,
			wantCalls:  3,
			wantDelays: []time.Duration{s, 2 * s},
			wantErr:    "transient attempts=3 budget=true",
		},
		{
			name:      "an attempt that uses up the budget",
			opts:      []Option{TotalTimeout(5 * s), BaseDelay(0), MaxDelay(0), MaxAttempts(10)},
			cost:      6 * s,
			wantCalls: 1,
			// the zero sleep would end after the budget
			wantErr: "transient attempts=1 budget=true",
		},
		{
			name:       "a fixed Backoff is bounded by the budget too",
			opts:       []Option{TotalTimeout(10 * s), Backoff(func(int) time.Duration { return 3 * s }), MaxAttempts(100)},
			cost:       0,
			wantCalls:  4,
			wantDelays: []time.Duration{3 * s, 3 * s, 3 * s},
			wantErr:    "transient attempts=4 budget=true",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			start := clock.now()
			var deadlines []bool
			inner := &scripted{clock: clock, cost: tt.cost, errs: make([]error, 100)}
			for i := range inner.errs {
				inner.errs[i] = transient("a")
			}
			wrapped := backendkit.Func(func(ctx context.Context, r vaultly.Ref) (string, error) {
				dl, ok := ctx.Deadline()
				// The attempt's deadline is at most the budget left.
				left := start.Add(10 * s).Sub(clock.now())
				deadlines = append(deadlines, ok && time.Until(dl) <= left+time.Second)
				return inner.Get(ctx, r)
			})
			opts := append(clock.opts(), Jitter(false))
			b, err := New(wrapped, append(opts, tt.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			_, err = b.Get(context.Background(), ref)
			if diff := cmp.Diff(tt.wantErr, describe(err)); diff != "" {
				t.Errorf("error (-want +got):\n%s\nerr: %v", diff, err)
			}
			if diff := cmp.Diff(tt.wantCalls, inner.count()); diff != "" {
				t.Errorf("inner calls (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantDelays, clock.delays()); diff != "" {
				t.Errorf("delays (-want +got):\n%s", diff)
			}
			for i, ok := range deadlines {
				if !ok {
					t.Errorf("attempt %d: context has no deadline within the budget", i+1)
				}
			}
			b2 := b.(*Backend)
			for i, end := range clock.ends {
				if !end.Before(start.Add(b2.cfg.totalTimeout)) {
					t.Errorf("sleep %d ended at %s, not before the budget %s", i+1, end.Sub(start), b2.cfg.totalTimeout)
				}
			}
		})
	}
}

// The attempt's context really carries the budget: an inner backend that
// blocks until its context ends is cut off, and the result is transient
// (the caller's context is fine), not a context error.
func TestBudgetCutsSlowAttempt(t *testing.T) {
	t.Parallel()
	inner := backendkit.Func(func(ctx context.Context, r vaultly.Ref) (string, error) {
		<-ctx.Done()
		return "", ctx.Err()
	})
	b, err := New(inner, TotalTimeout(5*time.Millisecond), MaxAttempts(5))
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Get(context.Background(), ref)
	got := []bool{errors.Is(err, vaultly.ErrTransient), errors.Is(err, context.DeadlineExceeded)}
	if diff := cmp.Diff([]bool{true, true}, got); diff != "" {
		t.Errorf("errors.Is transient, deadline (-want +got):\n%s\nerr: %v", diff, err)
	}
	var re *Error
	if !errors.As(err, &re) || !re.BudgetExhausted {
		t.Errorf("err = %v, want a *retry.Error with BudgetExhausted", err)
	}
}

func TestJitter(t *testing.T) {
	t.Parallel()
	s := time.Second
	t.Run("bounds passed to the random source", func(t *testing.T) {
		t.Parallel()
		b, err := newBackend(&scripted{}, []Option{BaseDelay(s), MaxDelay(5 * s)})
		if err != nil {
			t.Fatal(err)
		}
		var bounds []time.Duration
		b.cfg.randN = func(n int64) int64 { bounds = append(bounds, time.Duration(n)); return n - 1 }
		var got []time.Duration
		for attempt := 1; attempt <= 5; attempt++ {
			got = append(got, b.delay(attempt))
		}
		// rand.Int64N(n) draws from [0, n): n is the cap plus one, so the
		// cap itself can be drawn.
		wantBounds := []time.Duration{s + 1, 2*s + 1, 4*s + 1, 5*s + 1, 5*s + 1}
		if diff := cmp.Diff(wantBounds, bounds); diff != "" {
			t.Errorf("random bounds (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]time.Duration{s, 2 * s, 4 * s, 5 * s, 5 * s}, got); diff != "" {
			t.Errorf("delays at the top of the range (-want +got):\n%s", diff)
		}
	})
	t.Run("real random delays stay within bounds", func(t *testing.T) {
		t.Parallel()
		b, err := newBackend(&scripted{}, []Option{BaseDelay(100 * time.Millisecond), MaxDelay(s)})
		if err != nil {
			t.Fatal(err)
		}
		distinct := map[time.Duration]bool{}
		for i := 0; i < 2000; i++ {
			attempt := i%6 + 1
			limit := min(s, 100*time.Millisecond<<(attempt-1))
			d := b.delay(attempt)
			if d < 0 || d > limit {
				t.Fatalf("attempt %d: delay %s outside [0, %s]", attempt, d, limit)
			}
			distinct[d] = true
		}
		if len(distinct) < 100 {
			t.Errorf("only %d distinct delays in 2000 draws: not jittered", len(distinct))
		}
	})
	t.Run("huge delays do not overflow", func(t *testing.T) {
		t.Parallel()
		b, err := newBackend(&scripted{}, []Option{BaseDelay(time.Hour), MaxDelay(1<<63 - 1)})
		if err != nil {
			t.Fatal(err)
		}
		for _, attempt := range []int{1, 30, 62, 63, 64, 1000} {
			if d := b.delay(attempt); d < 0 {
				t.Errorf("attempt %d: delay %s", attempt, d)
			}
		}
	})
}

func TestCancel(t *testing.T) {
	t.Parallel()
	t.Run("already canceled: no attempt", func(t *testing.T) {
		t.Parallel()
		inner := &scripted{}
		b, _ := New(inner)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := b.Get(ctx, ref)
		checkCanceled(t, err)
		if inner.count() != 0 {
			t.Errorf("inner calls = %d, want 0", inner.count())
		}
	})
	t.Run("canceled during an attempt: no sleep, no retry", func(t *testing.T) {
		t.Parallel()
		clock := newFakeClock()
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		inner := backendkit.Func(func(context.Context, vaultly.Ref) (string, error) {
			calls++
			cancel()
			return "", transient("a") // a backend that misclassifies the cancel
		})
		b, _ := New(inner, clock.opts()...)
		_, err := b.Get(ctx, ref)
		checkCanceled(t, err)
		if diff := cmp.Diff(1, calls); diff != "" {
			t.Errorf("calls (-want +got):\n%s", diff)
		}
		if len(clock.delays()) != 0 {
			t.Errorf("slept %v after cancel", clock.delays())
		}
	})
	t.Run("canceled during the real sleep returns at once", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		inner := &scripted{errs: []error{transient("a"), transient("a")}}
		// An hour-long sleep would hang the test if cancel were ignored.
		b, _ := New(inner, BaseDelay(time.Hour), MaxDelay(time.Hour), Jitter(false), TotalTimeout(3*time.Hour),
			OnRetry(func(int, error, time.Duration) { cancel() }))
		_, err := b.Get(ctx, ref)
		checkCanceled(t, err)
		if diff := cmp.Diff(1, inner.count()); diff != "" {
			t.Errorf("calls (-want +got):\n%s", diff)
		}
	})
}

// The canceled error comes from backendkit.NewCanceledError: it names
// retry and the Ref, matches no error kind, and its cause says how many
// attempts were made and what the last one answered.
func TestCanceledError(t *testing.T) {
	t.Parallel()
	memberCause := errors.New("inner saw the cancel")
	tests := []struct {
		name      string
		early     bool  // cancel before the call
		answer    error // what the inner backend answers, after canceling
		batch     bool
		wantRef   vaultly.Ref
		wantMsg   string
		wantCause error // reachable with errors.Is, or nil
	}{
		{name: "before the first attempt", early: true, wantRef: ref,
			wantMsg: "retry: /db/prod/password: context canceled: before the first attempt"},
		{name: "a transient answer is kept as text", answer: transient("a"), wantRef: ref,
			wantMsg: "retry: /db/prod/password: context canceled: after 1 attempt (last error: fake: a: transient backend failure: 503 slow down)"},
		{name: "the inner backend's cancel is wrapped",
			answer:  backendkit.NewCanceledError("fake", ref, context.Canceled, memberCause),
			wantRef: ref, wantCause: memberCause,
			wantMsg: "retry: /db/prod/password: context canceled: after 1 attempt: fake: /db/prod/password: context canceled: inner saw the cancel"},
		{name: "GetBatch, before the first attempt", early: true, batch: true,
			wantMsg: "retry: context canceled: before the first attempt"},
		{name: "GetBatch, a whole transient answer", batch: true, answer: transient(""),
			wantMsg: "retry: context canceled: after 1 attempt (last error: fake: transient backend failure: 503 slow down)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.early {
				cancel()
			}
			answer := func() error { cancel(); return tt.answer }
			var err error
			if tt.batch {
				inner := batchFunc(func(context.Context, []vaultly.Ref) (map[vaultly.Ref]string, error) { return nil, answer() })
				b, nerr := New(inner)
				if nerr != nil {
					t.Fatal(nerr)
				}
				var vals map[vaultly.Ref]string
				vals, err = b.(vaultly.BatchBackend).GetBatch(ctx, []vaultly.Ref{ref})
				if vals != nil {
					t.Errorf("values %v after cancel, want none", vals)
				}
			} else {
				b, nerr := New(backendkit.Func(func(context.Context, vaultly.Ref) (string, error) { return "", answer() }))
				if nerr != nil {
					t.Fatal(nerr)
				}
				_, err = b.Get(ctx, ref)
			}
			var be *vaultly.BackendError
			if !errors.As(err, &be) {
				t.Fatalf("err = %v, want a *vaultly.BackendError", err)
			}
			got := []any{be.Backend, be.Ref, vaultly.KindOf(err), errors.Is(err, context.Canceled), err.Error()}
			want := []any{"retry", tt.wantRef, "canceled", true, tt.wantMsg}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("backend, ref, kind, canceled, message (-want +got):\n%s", diff)
			}
			if tt.wantCause != nil && !errors.Is(err, tt.wantCause) {
				t.Errorf("err = %v, want the inner cause reachable", err)
			}
		})
	}
}

// batchFunc is a BatchBackend made of one GetBatch function.
type batchFunc func(context.Context, []vaultly.Ref) (map[vaultly.Ref]string, error)

func (f batchFunc) Get(ctx context.Context, r vaultly.Ref) (string, error) {
	vals, err := f(ctx, []vaultly.Ref{r})
	return backendkit.BatchResult(r, vals, err)
}

func (f batchFunc) GetBatch(ctx context.Context, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	return f(ctx, refs)
}

func checkCanceled(t *testing.T, err error) {
	t.Helper()
	got := []bool{errors.Is(err, context.Canceled), errors.Is(err, vaultly.ErrTransient)}
	if diff := cmp.Diff([]bool{true, false}, got); diff != "" {
		t.Errorf("errors.Is canceled, transient (-want +got):\n%s\nerr: %v", diff, err)
	}
}

func TestHooks(t *testing.T) {
	t.Parallel()
	type call struct {
		Ref     vaultly.Ref
		Attempt int
		Kind    string
		Delay   time.Duration
	}
	var (
		mu       sync.Mutex
		ctxCalls []call
		optCalls []call
	)
	var logs bytes.Buffer
	clock := newFakeClock()
	inner := &scripted{errs: []error{transient("a"), transient("a")}}
	b, err := New(inner, append(clock.opts(), Jitter(false),
		WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
		OnRetry(func(attempt int, err error, d time.Duration) {
			mu.Lock()
			optCalls = append(optCalls, call{Attempt: attempt, Kind: vaultly.KindOf(err), Delay: d})
			mu.Unlock()
			panic("hook bug")
		}))...)
	if err != nil {
		t.Fatal(err)
	}
	hooks := &vaultly.Hooks{OnRetry: func(r vaultly.Ref, attempt int, err error, d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		ctxCalls = append(ctxCalls, call{r, attempt, vaultly.KindOf(err), d})
	}}
	v, err := b.Get(backendkit.WithHooks(context.Background(), hooks), ref)
	if err != nil || v != "value-of-"+ref.Path {
		t.Fatalf("Get = %q, %v; want the value despite the panicking hook", v, err)
	}
	ms := 500 * time.Millisecond
	want := []call{{ref, 1, "transient", ms}, {ref, 2, "transient", 2 * ms}}
	if diff := cmp.Diff(want, ctxCalls); diff != "" {
		t.Errorf("context hook calls (-want +got):\n%s", diff)
	}
	for i := range want {
		want[i].Ref = vaultly.Ref{}
	}
	if diff := cmp.Diff(want, optCalls); diff != "" {
		t.Errorf("OnRetry calls (-want +got):\n%s", diff)
	}
	if got := strings.Count(logs.String(), "hook panicked"); got != 2 {
		t.Errorf("logged %d panics, want 2; log:\n%s", got, logs.String())
	}
	if !strings.Contains(logs.String(), "hook bug") {
		t.Errorf("log does not name the panic:\n%s", logs.String())
	}
}

// TestNewInvalid lists every invalid argument and option value: New
// refuses each with an ErrConfig error naming it.
func TestNewInvalid(t *testing.T) {
	t.Parallel()
	inner := &scripted{}
	tests := []struct {
		name  string
		inner vaultly.Backend
		opts  []Option
		want  string // a fragment of the error
	}{
		{"nil inner", nil, nil, "nil inner backend"},
		{"MaxAttempts 0", inner, []Option{MaxAttempts(0)}, "MaxAttempts is 0, want at least 1"},
		{"MaxAttempts negative", inner, []Option{MaxAttempts(-1)}, "MaxAttempts is -1, want at least 1"},
		{"negative BaseDelay", inner, []Option{BaseDelay(-time.Second)}, "BaseDelay is -1s, want 0 or more"},
		{"negative MaxDelay", inner, []Option{MaxDelay(-time.Second), BaseDelay(-2 * time.Second)}, "MaxDelay is -1s, want 0 or more"},
		{"MaxDelay below BaseDelay", inner, []Option{BaseDelay(2 * time.Second), MaxDelay(time.Second)}, "MaxDelay 1s is less than BaseDelay 2s"},
		{"MaxDelay below the default BaseDelay", inner, []Option{MaxDelay(time.Millisecond)}, "MaxDelay 1ms is less than BaseDelay 500ms"},
		{"zero TotalTimeout", inner, []Option{TotalTimeout(0)}, "TotalTimeout is 0s, want more than 0"},
		{"negative TotalTimeout", inner, []Option{TotalTimeout(-time.Second)}, "TotalTimeout is -1s, want more than 0"},
		{"nil IsRetryable", inner, []Option{IsRetryable(nil)}, "IsRetryable: nil function"},
		{"nil Backoff", inner, []Option{Backoff(nil)}, "Backoff: nil function"},
		{"nil OnRetry", inner, []Option{OnRetry(nil)}, "OnRetry: nil function"},
		{"nil WithLogger", inner, []Option{WithLogger(nil)}, "WithLogger: nil function"},
		{"nil WithClock", inner, []Option{WithClock(nil)}, "WithClock: nil function"},
		{"nil WithSleep", inner, []Option{WithSleep(nil)}, "WithSleep: nil function"},
		{"nil after a good one", inner, []Option{WithClock(time.Now), WithClock(nil)}, "WithClock: nil function"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := New(tt.inner, tt.opts...)
			if !errors.Is(err, vaultly.ErrConfig) || b != nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v, %v; want nil and an ErrConfig containing %q", b, err, tt.want)
			}
		})
	}
	t.Run("nil options are ignored", func(t *testing.T) {
		t.Parallel()
		b, err := New(inner, nil, MaxAttempts(2), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := b.(*Backend).cfg.maxAttempts; got != 2 {
			t.Errorf("MaxAttempts = %d, want 2", got)
		}
		if v, err := b.Get(context.Background(), ref); err != nil || v == "" {
			t.Errorf("Get = %q, %v", v, err)
		}
	})
}

func TestNewKeepsBatching(t *testing.T) {
	t.Parallel()
	plain, err := New(&scripted{})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := New(&fakeBatch{})
	if err != nil {
		t.Fatal(err)
	}
	_, plainBatches := plain.(vaultly.BatchBackend)
	_, batchBatches := batch.(vaultly.BatchBackend)
	if diff := cmp.Diff([]bool{false, true}, []bool{plainBatches, batchBatches}); diff != "" {
		t.Errorf("implements BatchBackend: plain, batch (-want +got):\n%s", diff)
	}
	names := []string{plain.(interface{ Name() string }).Name(), batch.(interface{ Name() string }).Name()}
	if diff := cmp.Diff([]string{"retry(*retry.scripted)", "retry(*retry.fakeBatch)"}, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
}

func TestZeroValueDoesNotPanic(t *testing.T) {
	t.Parallel()
	_, err1 := (&Backend{}).Get(context.Background(), ref)
	_, err2 := (&BatchingBackend{}).Get(context.Background(), ref)
	_, err3 := (&BatchingBackend{}).GetBatch(context.Background(), []vaultly.Ref{ref})
	for i, err := range []error{err1, err2, err3} {
		if !errors.Is(err, vaultly.ErrConfig) {
			t.Errorf("call %d: err = %v, want ErrConfig", i+1, err)
		}
	}
}

// The real sleep waits at least d, and returns ctx.Err() at once when ctx
// is done, whatever d is.
func TestSleepContext(t *testing.T) {
	t.Parallel()
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		d    time.Duration
		want error
	}{
		{"live, waits", context.Background(), 5 * time.Millisecond, nil},
		{"live, zero", context.Background(), 0, nil},
		{"live, negative", context.Background(), -time.Hour, nil},
		{"canceled, an hour", canceled, time.Hour, context.Canceled}, // would hang if it slept
		{"canceled, zero", canceled, 0, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			err := sleepContext(tt.ctx, tt.d)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Errorf("sleepContext = %v, want %v", err, tt.want)
			}
			if elapsed := time.Since(start); tt.want == nil && elapsed < tt.d {
				t.Errorf("returned after %s, before %s", elapsed, tt.d)
			}
		})
	}
}
