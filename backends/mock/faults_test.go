package mock_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

type sdkError struct{ code string }

func (e *sdkError) Error() string { return "sdk: " + e.code }

func TestFailGet(t *testing.T) {
	t.Parallel()
	boom := &sdkError{"boom"}
	authErr := fmt.Errorf("denied: %w", vaultly.ErrAuth)
	tests := []struct {
		name  string
		setup func(*mock.Backend)
		path  string
		want  []string // kind of each successive Get
	}{
		{name: "no fault", setup: func(*mock.Backend) {}, path: "/a", want: []string{"ok", "ok"}},
		{name: "fail path", setup: func(b *mock.Backend) { b.Fail("/a", boom) }, path: "/a", want: []string{"transient", "transient", "transient"}},
		{name: "fail other path", setup: func(b *mock.Backend) { b.Fail("/b", boom) }, path: "/a", want: []string{"ok"}},
		{name: "fail cleared", setup: func(b *mock.Backend) { b.Fail("/a", boom); b.Fail("/a", nil) }, path: "/a", want: []string{"ok"}},
		{name: "classified error kept", setup: func(b *mock.Backend) { b.Fail("/a", authErr) }, path: "/a", want: []string{"auth"}},
		{name: "not found injected", setup: func(b *mock.Backend) { b.Fail("/a", vaultly.ErrNotFound) }, path: "/a", want: []string{"not_found"}},
		{name: "fail all", setup: func(b *mock.Backend) { b.FailAll(boom) }, path: "/a", want: []string{"transient", "transient"}},
		{name: "fail all cleared", setup: func(b *mock.Backend) { b.FailAll(boom); b.FailAll(nil) }, path: "/a", want: []string{"ok"}},
		{name: "fail next", setup: func(b *mock.Backend) { b.FailNext("/a", 2, boom) }, path: "/a", want: []string{"transient", "transient", "ok", "ok"}},
		{name: "fail next any path", setup: func(b *mock.Backend) { b.FailNext("", 1, boom) }, path: "/a", want: []string{"transient", "ok"}},
		{name: "fail next cleared", setup: func(b *mock.Backend) { b.FailNext("/a", 2, boom); b.FailNext("/a", 0, boom) }, path: "/a", want: []string{"ok"}},
		{name: "fail next other path", setup: func(b *mock.Backend) { b.FailNext("/b", 2, boom) }, path: "/a", want: []string{"ok"}},
		{
			name:  "fail wins over fail next, which waits",
			setup: func(b *mock.Backend) { b.FailNext("/a", 1, vaultly.ErrAuth); b.Fail("/a", vaultly.ErrNotFound) },
			path:  "/a", want: []string{"not_found", "not_found"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := mock.New(map[string]string{"/a": "1", "/b": "2"})
			tt.setup(b)
			var got []string
			for range tt.want {
				_, err := b.Get(context.Background(), vaultly.Ref{Path: tt.path})
				got = append(got, kindOf(err))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("kinds of successive Gets (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFailErrorShape(t *testing.T) {
	t.Parallel()
	boom := &sdkError{"boom"}
	b := mock.New(map[string]string{"/a": "1"}, mock.WithName("primary"))
	b.Fail("/a", boom)
	_, err := b.Get(context.Background(), ref("/a"))
	var be *vaultly.BackendError
	if !errors.As(err, &be) {
		t.Fatalf("error %T is not a *vaultly.BackendError", err)
	}
	want := vaultly.BackendError{Backend: "primary", Kind: vaultly.ErrTransient, Ref: ref("/a"), Err: boom}
	if diff := cmp.Diff(want, *be, cmp.Comparer(func(x, y error) bool { return x == y })); diff != "" {
		t.Errorf("BackendError (-want +got):\n%s", diff)
	}
	var sdk *sdkError
	if !errors.As(err, &sdk) || sdk != boom {
		t.Errorf("cause not reachable with errors.As: %v", err)
	}
	if got, want := err.Error(), "primary: /a: transient backend failure: sdk: boom"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}

	// A classified error comes back unchanged.
	authErr := fmt.Errorf("denied: %w", vaultly.ErrAuth)
	b.Fail("/a", authErr)
	if _, err := b.Get(context.Background(), ref("/a")); err != authErr {
		t.Errorf("classified error = %v, want it returned as is", err)
	}
}

func TestFailBatch(t *testing.T) {
	t.Parallel()
	boom := &sdkError{"boom"}
	refs := []vaultly.Ref{ref("/a"), ref("/b"), ref("/c"), vref("/b", "1")}
	tests := []struct {
		name      string
		setup     func(*mock.Backend)
		calls     int // GetBatch calls; checks the last
		wantVals  map[vaultly.Ref]string
		wantErrs  map[vaultly.Ref]string // Ref -> kind, in the *BatchError
		wantWhole string                 // kind of a whole-batch (non-BatchError) failure
	}{
		{
			name: "no fault", setup: func(*mock.Backend) {}, calls: 1,
			wantVals: map[vaultly.Ref]string{ref("/a"): "1", ref("/b"): "2", vref("/b", "1"): "b1"},
		},
		{
			name: "fail one path", setup: func(b *mock.Backend) { b.Fail("/b", boom) }, calls: 1,
			wantVals: map[vaultly.Ref]string{ref("/a"): "1"},
			wantErrs: map[vaultly.Ref]string{ref("/b"): "transient", vref("/b", "1"): "transient"},
		},
		{
			name: "fail missing path", setup: func(b *mock.Backend) { b.Fail("/c", vaultly.ErrAuth) }, calls: 1,
			wantVals: map[vaultly.Ref]string{ref("/a"): "1", ref("/b"): "2", vref("/b", "1"): "b1"},
			wantErrs: map[vaultly.Ref]string{ref("/c"): "auth"},
		},
		{
			name: "fail next counts refs", setup: func(b *mock.Backend) { b.FailNext("/b", 1, boom) }, calls: 1,
			wantVals: map[vaultly.Ref]string{ref("/a"): "1", vref("/b", "1"): "b1"},
			wantErrs: map[vaultly.Ref]string{ref("/b"): "transient"},
		},
		{
			name: "fail next spent", setup: func(b *mock.Backend) { b.FailNext("/b", 2, boom) }, calls: 2,
			wantVals: map[vaultly.Ref]string{ref("/a"): "1", ref("/b"): "2", vref("/b", "1"): "b1"},
		},
		{name: "fail all", setup: func(b *mock.Backend) { b.FailAll(boom) }, calls: 1, wantWhole: "transient"},
		{name: "fail next any path", setup: func(b *mock.Backend) { b.FailNext("", 1, vaultly.ErrAuth) }, calls: 1, wantWhole: "auth"},
		{
			name: "fail next any path spent", setup: func(b *mock.Backend) { b.FailNext("", 1, vaultly.ErrAuth) }, calls: 2,
			wantVals: map[vaultly.Ref]string{ref("/a"): "1", ref("/b"): "2", vref("/b", "1"): "b1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := mock.New(map[string]string{"/a": "1", "/b": "2"})
			b.SetVersion("/b", "1", "b1")
			tt.setup(b)
			var got map[vaultly.Ref]string
			var err error
			for range tt.calls {
				got, err = b.GetBatch(context.Background(), refs)
			}
			if tt.wantWhole != "" {
				var be *vaultly.BatchError
				if errors.As(err, &be) || kindOf(err) != tt.wantWhole {
					t.Fatalf("GetBatch error = %#v, want a plain %s error", err, tt.wantWhole)
				}
				if len(got) != 0 {
					t.Errorf("GetBatch values = %v with a whole-batch error", got)
				}
				return
			}
			if diff := cmp.Diff(tt.wantVals, got); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
			gotErrs := map[vaultly.Ref]string{}
			if err != nil {
				var be *vaultly.BatchError
				if !errors.As(err, &be) {
					t.Fatalf("GetBatch error = %v, want *vaultly.BatchError", err)
				}
				for r, e := range be.Errs {
					gotErrs[r] = kindOf(e)
				}
			}
			if tt.wantErrs == nil {
				tt.wantErrs = map[vaultly.Ref]string{}
			}
			if diff := cmp.Diff(tt.wantErrs, gotErrs); diff != "" {
				t.Errorf("per-Ref errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLatency(t *testing.T) {
	t.Parallel()
	b := mock.New(map[string]string{"/a": "1", "/slow": "s"}, mock.WithLatency(time.Millisecond))
	b.SetLatency("/slow", time.Hour)

	// A short latency answers normally.
	if got, err := b.Get(context.Background(), ref("/a")); got != "1" || err != nil {
		t.Errorf("Get(/a) = %q, %v", got, err)
	}
	// A long one is cut short by the caller's ctx, with its error.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err := b.Get(ctx, ref("/slow"))
	checkCtxErr(t, "Get(/slow)", err, context.DeadlineExceeded)

	ctx2, cancel2 := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := b.GetBatch(ctx2, []vaultly.Ref{ref("/a"), ref("/slow")}) // waits for the largest
		done <- err
	}()
	cancel2()
	checkCtxErr(t, "GetBatch", <-done, context.Canceled)

	// Removing the latency lets it through.
	b.SetLatency("/slow", 0)
	b.SetLatency("", 0)
	if got, err := b.Get(context.Background(), ref("/slow")); got != "s" || err != nil {
		t.Errorf("Get(/slow) = %q, %v after clearing latency", got, err)
	}
}

func TestHoldSingleFlightStyle(t *testing.T) {
	t.Parallel()
	b := mock.New(map[string]string{"/a": "old", "/b": "b"})
	release := b.Hold("/a")
	const n = 5
	results := make(chan string, n)
	for range n {
		go func() {
			v, err := b.Get(context.Background(), ref("/a"))
			if err != nil {
				v = err.Error()
			}
			results <- v
		}()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := b.AwaitWaiting(ctx, n); err != nil {
		t.Fatalf("AwaitWaiting: %v (waiting %d)", err, b.Waiting())
	}
	if got := b.Waiting(); got != n {
		t.Errorf("Waiting = %d, want %d", got, n)
	}
	// Other paths are not held.
	if got, err := b.Get(context.Background(), ref("/b")); got != "b" || err != nil {
		t.Errorf("Get(/b) = %q, %v while /a is held", got, err)
	}
	if got := b.Requests(); got != n+1 {
		t.Errorf("Requests = %d, want %d (held calls are recorded)", got, n+1)
	}
	b.Set("/a", "new") // answered with the state at release
	release()
	release() // idempotent
	for range n {
		if got := <-results; got != "new" {
			t.Errorf("held Get = %q, want new", got)
		}
	}
	if got := b.Waiting(); got != 0 {
		t.Errorf("Waiting = %d after release, want 0", got)
	}
	if got, err := b.Get(context.Background(), ref("/a")); got != "new" || err != nil {
		t.Errorf("Get after release = %q, %v", got, err)
	}
}

func TestHoldAllAndContext(t *testing.T) {
	t.Parallel()
	b := mock.New(map[string]string{"/a": "1"})
	release := b.Hold("")
	defer release()

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Go(func() { _, errs[0] = b.Get(ctx, ref("/a")) })
	wg.Go(func() { _, errs[1] = b.GetBatch(ctx, []vaultly.Ref{ref("/other")}) })
	if err := b.AwaitWaiting(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	cancel()
	wg.Wait()
	checkCtxErr(t, "held Get", errs[0], context.Canceled)
	checkCtxErr(t, "held GetBatch", errs[1], context.Canceled)
	if got := b.Waiting(); got != 0 {
		t.Errorf("Waiting = %d after cancel, want 0", got)
	}

	// AwaitWaiting honours its own ctx.
	short, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if err := b.AwaitWaiting(short, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("AwaitWaiting(canceled) = %v, want context.Canceled", err)
	}
}

func TestHoldBatchOnAnyRef(t *testing.T) {
	t.Parallel()
	b := mock.New(map[string]string{"/a": "1", "/b": "2"})
	release := b.Hold("/b")
	done := make(chan map[vaultly.Ref]string)
	go func() {
		got, _ := b.GetBatch(context.Background(), []vaultly.Ref{ref("/a"), ref("/b")})
		done <- got
	}()
	if err := b.AwaitWaiting(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	release()
	if diff := cmp.Diff(map[vaultly.Ref]string{ref("/a"): "1", ref("/b"): "2"}, <-done); diff != "" {
		t.Errorf("GetBatch (-want +got):\n%s", diff)
	}
}
