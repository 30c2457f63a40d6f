package vaultly_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/backends/mock"
)

// These tests pin the record rule where calls overlap (an independent
// review found each defect against the first version of the rewritten
// cache).

// scripted answers its calls in turn with steps; the last step repeats.
type scripted struct {
	mu    sync.Mutex
	n     int
	steps []func(context.Context, vaultly.Ref) (string, error)
}

func (b *scripted) Name() string { return "scripted" }

func (b *scripted) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	b.mu.Lock()
	f := b.steps[min(b.n, len(b.steps)-1)]
	b.n++
	b.mu.Unlock()
	return f(ctx, ref)
}

func answer(v string) func(context.Context, vaultly.Ref) (string, error) {
	return func(context.Context, vaultly.Ref) (string, error) { return v, nil }
}

func failWith(kind error) func(context.Context, vaultly.Ref) (string, error) {
	return func(_ context.Context, ref vaultly.Ref) (string, error) {
		return "", backendkit.NewError("scripted", kind, ref, errors.New("boom"))
	}
}

// parked signals started, then waits for gate before answering with f.
func parked(started chan<- struct{}, gate <-chan struct{}, f func(context.Context, vaultly.Ref) (string, error)) func(context.Context, vaultly.Ref) (string, error) {
	return func(ctx context.Context, ref vaultly.Ref) (string, error) {
		close(started)
		<-gate
		return f(ctx, ref)
	}
}

type readResult struct {
	v   string
	err error
}

// TestOlderCallAnswersItsOwnValue: call A starts; a later Refresh (call B)
// fails transiently; A's value v1 then lands. A's caller gets v1, not the
// older cached v0, and v1 is kept (a failure changes no value).
func TestOlderCallAnswersItsOwnValue(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		read func(*vaultly.Secret[string], context.Context) (string, error)
	}{
		{"Get of an expired value", (*vaultly.Secret[string]).Get},
		{"Refresh", (*vaultly.Secret[string]).Refresh},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			started, gate := make(chan struct{}), make(chan struct{})
			b := &scripted{steps: []func(context.Context, vaultly.Ref) (string, error){
				answer("v0"), parked(started, gate, answer("v1")), failWith(vaultly.ErrTransient)}}
			clk := newClock()
			s := rulesSecret(t, mustLoader(t, b, vaultly.WithClock(clk.Now)), "ttl=1m")
			if v, err := s.Get(ctx); v != "v0" || err != nil {
				t.Fatal(v, err)
			}
			clk.Advance(2 * time.Minute)
			first := make(chan readResult, 1)
			go func() { v, err := tt.read(s, ctx); first <- readResult{v, err} }()
			<-started
			if _, err := s.Refresh(ctx); !errors.Is(err, vaultly.ErrTransient) {
				t.Fatalf("Refresh = %v, want a transient failure", err)
			}
			close(gate)
			if r := <-first; r.v != "v1" || r.err != nil {
				t.Errorf("%s = %q, %v; want v1", tt.name, r.v, r.err)
			}
			if v, err := s.Get(ctx); v != "v1" || err != nil {
				t.Errorf("next Get = %q, %v; want v1 kept", v, err)
			}
		})
	}
}

// TestDroppedValueIsNotServedStaleByAnOverlappingRead: a reader's call is
// held; a Refresh is answered not found (the value is dropped); the
// reader's call then fails transiently: the dropped value is not served.
func TestDroppedValueIsNotServedStaleByAnOverlappingRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	started, gate := make(chan struct{}), make(chan struct{})
	b := &scripted{steps: []func(context.Context, vaultly.Ref) (string, error){
		answer("old"), parked(started, gate, failWith(vaultly.ErrTransient)), failWith(vaultly.ErrNotFound)}}
	clk := newClock()
	s := rulesSecret(t, mustLoader(t, b, vaultly.WithClock(clk.Now)), "ttl=1m,stale_on_error")
	if v, err := s.Get(ctx); v != "old" || err != nil {
		t.Fatal(v, err)
	}
	clk.Advance(2 * time.Minute)
	reader := make(chan readResult, 1)
	go func() { v, err := s.Get(ctx); reader <- readResult{v, err} }()
	<-started
	if _, err := s.Refresh(ctx); !errors.Is(err, vaultly.ErrNotFound) {
		t.Fatalf("Refresh = %v, want not found", err)
	}
	close(gate)
	if r := <-reader; r.v == "old" || !errors.Is(r.err, vaultly.ErrTransient) {
		t.Errorf("Get = %q, %v after not found; want the transient error, not the dropped value", r.v, r.err)
	}
}

// TestEndedRefreshDoesNotSplitTheFlight: a Refresh whose context has ended
// does not displace the call in flight, so the next Get joins it.
func TestEndedRefreshDoesNotSplitTheFlight(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := newClock()
	b := mock.New(map[string]string{"/k": "v1"})
	s := rulesSecret(t, mustLoader(t, b, vaultly.WithClock(clk.Now)), "ttl=1m")
	if _, err := s.Get(ctx); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Minute)
	b.ResetCalls()
	release := b.Hold("/k")
	done := make(chan error, 2)
	go func() { _, err := s.Get(ctx); done <- err }()
	if err := b.AwaitWaiting(ctx, 1); err != nil {
		t.Fatal(err)
	}
	ended, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Refresh(ended); !errors.Is(err, context.Canceled) {
		t.Fatalf("Refresh = %v, want canceled", err)
	}
	go func() { _, err := s.Get(ctx); done <- err }()
	// A second backend call would show up as a second waiter; give the
	// second Get a bounded chance to make one.
	for deadline := time.Now().Add(time.Second); b.Waiting() < 2 && time.Now().Before(deadline); {
		runtime.Gosched()
	}
	release()
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if n := b.Requests(); n != 1 {
		t.Errorf("backend calls = %d, want 1", n)
	}
}

// TestBackendGoexitIsTransient: a backend that ends its goroutine with
// runtime.Goexit is a transient failure naming the backend, like a panic,
// and OnFetch reports it as a failure.
func TestBackendGoexitIsTransient(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var hookErr error
	hookCalled := false
	hooks := vaultly.Hooks{OnFetch: func(_ vaultly.Ref, _ time.Duration, err error) {
		mu.Lock()
		hookCalled, hookErr = true, err
		mu.Unlock()
	}}
	b := backendkit.Func(func(context.Context, vaultly.Ref) (string, error) {
		runtime.Goexit()
		return "", nil
	})
	s := rulesSecret(t, mustLoader(t, b, vaultly.WithHooks(hooks), vaultly.WithPrefetch(false)), "ttl=1m")
	_, err := s.Get(context.Background())
	var be *vaultly.BackendError
	if !errors.Is(err, vaultly.ErrTransient) || !errors.As(err, &be) || be.Backend == "" {
		t.Errorf("Get = %v (kind %s), want a transient *BackendError naming the backend", err, vaultly.KindOf(err))
	}
	mu.Lock()
	defer mu.Unlock()
	if !hookCalled || hookErr == nil {
		t.Errorf("OnFetch called %v with %v; want a failure reported", hookCalled, hookErr)
	}
}
