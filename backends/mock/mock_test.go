package mock_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/backends/mock"
)

func ref(path string) vaultly.Ref { return vaultly.Ref{Path: path} }

func vref(path, version string) vaultly.Ref { return vaultly.Ref{Path: path, Version: version} }

// kindOf names the sentinel err matches, for compact table checks.
func kindOf(err error) string { return vaultly.KindOf(err) }

func TestGet(t *testing.T) {
	t.Parallel()
	newBackend := func() *mock.Backend {
		b := mock.New(map[string]string{"/a": "1", "/b": ""},
			mock.WithVersions(map[vaultly.Ref]string{vref("/a", "2"): "two", ref("/c"): "3"}))
		b.SetVersion("/a", "3", "three")
		return b
	}
	tests := []struct {
		name   string
		setup  func(*mock.Backend)
		ref    vaultly.Ref
		want   string
		wantK  string
		errMsg string
	}{
		{name: "current", ref: ref("/a"), want: "1", wantK: "ok"},
		{name: "empty value is found", ref: ref("/b"), want: "", wantK: "ok"},
		{name: "seeded by WithVersions without version", ref: ref("/c"), want: "3", wantK: "ok"},
		{name: "version from option", ref: vref("/a", "2"), want: "two", wantK: "ok"},
		{name: "version from SetVersion", ref: vref("/a", "3"), want: "three", wantK: "ok"},
		{name: "missing version", ref: vref("/a", "9"), wantK: "not_found", errMsg: "mock: /a@9: secret not found"},
		{name: "version of path without versions", ref: vref("/b", "1"), wantK: "not_found"},
		{name: "missing path", ref: ref("/nope"), wantK: "not_found", errMsg: "mock: /nope: secret not found"},
		{name: "set overrides", setup: func(b *mock.Backend) { b.Set("/a", "new") }, ref: ref("/a"), want: "new", wantK: "ok"},
		{name: "set does not touch versions", setup: func(b *mock.Backend) { b.Set("/a", "new") }, ref: vref("/a", "2"), want: "two", wantK: "ok"},
		{name: "delete removes current", setup: func(b *mock.Backend) { b.Delete("/a") }, ref: ref("/a"), wantK: "not_found"},
		{name: "delete removes versions", setup: func(b *mock.Backend) { b.Delete("/a") }, ref: vref("/a", "2"), wantK: "not_found"},
		{name: "set after delete", setup: func(b *mock.Backend) { b.Delete("/a"); b.Set("/a", "back") }, ref: ref("/a"), want: "back", wantK: "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := newBackend()
			if tt.setup != nil {
				tt.setup(b)
			}
			for name, be := range map[string]vaultly.Backend{"batch": b, "plain": b.Plain()} {
				got, err := be.Get(context.Background(), tt.ref)
				if k := kindOf(err); k != tt.wantK {
					t.Fatalf("%s: Get(%v) error = %v (kind %s), want kind %s", name, tt.ref, err, k, tt.wantK)
				}
				if got != tt.want {
					t.Errorf("%s: Get(%v) = %q, want %q", name, tt.ref, got, tt.want)
				}
				if tt.errMsg != "" && err.Error() != tt.errMsg {
					t.Errorf("%s: error = %q, want %q", name, err, tt.errMsg)
				}
			}
		})
	}
}

func TestNewCopiesMap(t *testing.T) {
	t.Parallel()
	values := map[string]string{"/a": "1"}
	b := mock.New(values)
	values["/a"] = "changed"
	values["/new"] = "x"
	if got, _ := b.Get(context.Background(), ref("/a")); got != "1" {
		t.Errorf("Get(/a) = %q after caller changed its map, want 1", got)
	}
	if _, err := b.Get(context.Background(), ref("/new")); !errors.Is(err, vaultly.ErrNotFound) {
		t.Errorf("Get(/new) error = %v, want ErrNotFound", err)
	}
	if got, err := mock.New(nil).Get(context.Background(), ref("/a")); got != "" || !errors.Is(err, vaultly.ErrNotFound) {
		t.Errorf("New(nil).Get = %q, %v; want not found", got, err)
	}
}

func TestPlainHidesBatch(t *testing.T) {
	t.Parallel()
	b := mock.New(map[string]string{"/a": "1"})
	p := b.Plain()
	if _, ok := p.(vaultly.BatchBackend); ok {
		t.Fatal("Plain() implements BatchBackend")
	}
	if _, err := p.Get(context.Background(), ref("/a")); err != nil {
		t.Fatal(err)
	}
	b.Fail("/a", errors.New("boom"))
	if _, err := p.Get(context.Background(), ref("/a")); !errors.Is(err, vaultly.ErrTransient) {
		t.Errorf("Plain shares faults: error = %v, want ErrTransient", err)
	}
	if diff := cmp.Diff([]vaultly.Ref{ref("/a"), ref("/a")}, b.Calls()); diff != "" {
		t.Errorf("Plain shares the call log (-want +got):\n%s", diff)
	}
}

func TestGetBatch(t *testing.T) {
	t.Parallel()
	b := mock.New(map[string]string{"/a": "1", "/b": "2"})
	b.SetVersion("/a", "7", "seven")
	refs := []vaultly.Ref{ref("/a"), ref("/missing"), vref("/a", "7"), ref("/b"), ref("/a")}
	got, err := b.GetBatch(context.Background(), refs)
	if err != nil {
		t.Fatal(err)
	}
	want := map[vaultly.Ref]string{ref("/a"): "1", vref("/a", "7"): "seven", ref("/b"): "2"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetBatch (-want +got):\n%s", diff)
	}
	if _, err := backendkit.BatchResult(ref("/missing"), got, err); !errors.Is(err, vaultly.ErrNotFound) {
		t.Errorf("missing Ref: %v, want ErrNotFound", err)
	}
	if diff := cmp.Diff(refs, b.Calls()); diff != "" {
		t.Errorf("Calls (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]vaultly.Ref{refs}, b.BatchCalls()); diff != "" {
		t.Errorf("BatchCalls (-want +got):\n%s", diff)
	}
	if got := b.Requests(); got != 1 {
		t.Errorf("Requests = %d, want 1", got)
	}

	empty, err := b.GetBatch(context.Background(), nil)
	if err != nil || len(empty) != 0 {
		t.Errorf("GetBatch(nil) = %v, %v; want empty, nil", empty, err)
	}
}

func TestCallTracking(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := mock.New(map[string]string{"/a": "1"})
	b.Fail("/f", errors.New("x"))
	_, _ = b.Get(ctx, ref("/a"))
	_, _ = b.GetBatch(ctx, []vaultly.Ref{ref("/a"), ref("/b")})
	_, _ = b.Get(ctx, vref("/f", "2")) // failed calls are recorded too
	_, _ = b.GetBatch(ctx, []vaultly.Ref{ref("/c")})
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, _ = b.Get(canceled, ref("/d")) // and calls with a dead ctx

	wantCalls := []vaultly.Ref{ref("/a"), ref("/a"), ref("/b"), vref("/f", "2"), ref("/c"), ref("/d")}
	if diff := cmp.Diff(wantCalls, b.Calls()); diff != "" {
		t.Errorf("Calls (-want +got):\n%s", diff)
	}
	wantBatches := [][]vaultly.Ref{{ref("/a"), ref("/b")}, {ref("/c")}}
	if diff := cmp.Diff(wantBatches, b.BatchCalls()); diff != "" {
		t.Errorf("BatchCalls (-want +got):\n%s", diff)
	}
	if got := b.Requests(); got != 5 {
		t.Errorf("Requests = %d, want 5", got)
	}

	// The returned slices are copies.
	calls := b.Calls()
	calls[0] = ref("/changed")
	batches := b.BatchCalls()
	batches[0][0] = ref("/changed")
	if b.Calls()[0] != ref("/a") || b.BatchCalls()[0][0] != ref("/a") {
		t.Error("Calls or BatchCalls returned the internal slice")
	}

	b.ResetCalls()
	if len(b.Calls()) != 0 || len(b.BatchCalls()) != 0 || b.Requests() != 0 {
		t.Errorf("after ResetCalls: Calls %v, BatchCalls %v, Requests %d", b.Calls(), b.BatchCalls(), b.Requests())
	}
	if got, err := b.Get(ctx, ref("/a")); got != "1" || err != nil {
		t.Errorf("ResetCalls changed values: Get = %q, %v", got, err)
	}
}

func TestContextDone(t *testing.T) {
	t.Parallel()
	b := mock.New(map[string]string{"/a": "1"})
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel2()

	for _, tt := range []struct {
		name string
		ctx  context.Context
		want error
	}{
		{"canceled", canceled, context.Canceled},
		{"deadline", expired, context.DeadlineExceeded},
	} {
		_, err := b.Get(tt.ctx, ref("/a"))
		checkCtxErr(t, tt.name+" Get", err, tt.want)
		_, err = b.GetBatch(tt.ctx, []vaultly.Ref{ref("/a")})
		checkCtxErr(t, tt.name+" GetBatch", err, tt.want)
	}
}

func checkCtxErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error = %v, want %v", what, err, want)
	}
	if k := vaultly.KindOf(err); k != "canceled" {
		t.Errorf("%s: error %v is of kind %s, want canceled (no error kind)", what, err, k)
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	b := mock.New(map[string]string{"/a": "1"})
	const n = 50
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ctx := context.Background()
			switch i % 5 {
			case 0:
				b.Set("/a", "x")
			case 1:
				_, _ = b.Get(ctx, ref("/a"))
			case 2:
				_, _ = b.GetBatch(ctx, []vaultly.Ref{ref("/a"), ref("/b")})
			case 3:
				b.FailNext("/a", 1, errors.New("boom"))
			case 4:
				_ = b.Calls()
				_ = b.Waiting()
			}
		})
	}
	wg.Wait()
	if got, want := b.Requests(), 2*n/5; got != want {
		t.Errorf("Requests = %d, want %d", got, want)
	}
	if got, want := len(b.Calls()), 3*n/5; got != want {
		t.Errorf("len(Calls) = %d, want %d", got, want)
	}
}

func TestClock(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := mock.NewClock(start)
	clk.Advance(90 * time.Second)
	if got := clk.Now(); !got.Equal(start.Add(90 * time.Second)) {
		t.Errorf("after Advance: %v", got)
	}
	clk.Set(start)
	if got := clk.Now(); !got.Equal(start) {
		t.Errorf("after Set: %v", got)
	}
}

func TestName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []mock.Option
		want string
	}{
		{"default", nil, "mock"},
		{"WithName", []mock.Option{mock.WithName("primary")}, "primary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := mock.New(nil, tt.opts...)
			_, err := b.Get(context.Background(), ref("/nope"))
			got := []string{b.Name(), backendkit.Name(b), backendkit.Name(b.Plain()), err.Error()}
			want := []string{tt.want, tt.want, tt.want, tt.want + ": /nope: secret not found"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Name, BackendName, BackendName(Plain), error (-want +got):\n%s", diff)
			}
		})
	}
}

// TestInvalidOption lists every invalid option value. mock.New returns no
// error, so every call of such a backend fails with an ErrConfig error
// naming the option (never a value), and is still recorded.
func TestInvalidOption(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []mock.Option
		want string // the Get error
	}{
		{"negative WithLatency", []mock.Option{mock.WithLatency(-time.Second)},
			"mock: /a: configuration error: mock.New: WithLatency(-1s): want 0 or more"},
		{"empty WithName", []mock.Option{mock.WithName("")},
			"mock: /a: configuration error: mock.New: WithName: empty name"},
		{"a bad value after a good one", []mock.Option{mock.WithName("db"), mock.WithLatency(time.Second), mock.WithLatency(-time.Nanosecond)},
			"db: /a: configuration error: mock.New: WithLatency(-1ns): want 0 or more"},
		{"the first bad value is reported", []mock.Option{mock.WithName(""), mock.WithLatency(-time.Second)},
			"mock: /a: configuration error: mock.New: WithName: empty name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := mock.New(map[string]string{"/a": "hunter2"}, tt.opts...)
			ctx := context.Background()
			got, err := b.Get(ctx, ref("/a"))
			if got != "" || !errors.Is(err, vaultly.ErrConfig) || err.Error() != tt.want {
				t.Errorf("Get = %q, %v; want an ErrConfig %q", got, err, tt.want)
			}
			if got, err := b.Plain().Get(ctx, ref("/a")); got != "" || !errors.Is(err, vaultly.ErrConfig) {
				t.Errorf("Plain().Get = %q, %v; want an ErrConfig", got, err)
			}
			vals, err := b.GetBatch(ctx, []vaultly.Ref{ref("/a")})
			var be *vaultly.BatchError
			if vals != nil || !errors.Is(err, vaultly.ErrConfig) || errors.As(err, &be) {
				t.Errorf("GetBatch = %v, %v; want no values and one ErrConfig for the whole call", vals, err)
			}
			if diff := cmp.Diff([]int{3, 3}, []int{len(b.Calls()), b.Requests()}); diff != "" {
				t.Errorf("Refs recorded, requests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidOptionEdges(t *testing.T) {
	t.Parallel()
	b := mock.New(map[string]string{"/a": "1"}, nil, mock.WithLatency(0), mock.WithName("x"))
	got, err := b.Get(context.Background(), ref("/a"))
	if diff := cmp.Diff([]any{"1", true, "x"}, []any{got, err == nil, b.Name()}); diff != "" {
		t.Errorf("value, no error, name (-want +got):\n%s\nerr: %v", diff, err)
	}
}
