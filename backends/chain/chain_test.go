package chain

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/backends/mock"
)

func ref(path string) vaultly.Ref { return vaultly.Ref{Path: path} }

func paths(refs []vaultly.Ref) []string {
	if len(refs) == 0 {
		return nil
	}
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.Path
	}
	return out
}

func errOf(kind error) error { return backendkit.NewError("mock", kind, vaultly.Ref{}, nil) }

// fixture is two mocks, "a" and "b", and the failures to inject per member.
type fixture struct {
	a, b *mock.Backend
}

func newFixture() fixture {
	return fixture{
		a: mock.New(map[string]string{"/x": "a-x"}),
		b: mock.New(map[string]string{"/x": "b-x", "/y": "b-y", "/z": "b-z"}),
	}
}

func TestGet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		path        string
		failA       error // injected into a for path
		failB       error
		opts        []Option
		want        string
		wantKind    string
		wantInError []string
		wantCallsA  []string
		wantCallsB  []string
	}{
		{
			name: "first backend wins", path: "/x",
			want: "a-x", wantKind: "ok",
			wantCallsA: []string{"/x"},
		},
		{
			name: "not found falls through", path: "/y",
			want: "b-y", wantKind: "ok",
			wantCallsA: []string{"/y"}, wantCallsB: []string{"/y"},
		},
		{
			name: "missing everywhere names the backends asked", path: "/nope",
			wantKind: "not_found", wantInError: []string{"/nope", "asked a, b"},
			wantCallsA: []string{"/nope"}, wantCallsB: []string{"/nope"},
		},
		{
			name: "auth stops the chain", path: "/y", failA: errOf(vaultly.ErrAuth),
			wantKind: "auth", wantInError: []string{"a failed"},
			wantCallsA: []string{"/y"},
		},
		{
			name: "transient stops the chain", path: "/y", failA: errOf(vaultly.ErrTransient),
			wantKind: "transient", wantInError: []string{"a failed"},
			wantCallsA: []string{"/y"},
		},
		{
			name: "config stops the chain", path: "/y", failA: errOf(vaultly.ErrConfig),
			wantKind: "config", wantInError: []string{"a failed"},
			wantCallsA: []string{"/y"},
		},
		{
			name: "an unclassified failure stops the chain as transient", path: "/y", failA: errors.New("boom"),
			wantKind: "transient", wantInError: []string{"a failed", "boom"},
			wantCallsA: []string{"/y"},
		},
		{
			name: "transient falls through with the option", path: "/y", failA: errOf(vaultly.ErrTransient),
			opts: []Option{FallThroughOnTransient(true)},
			want: "b-y", wantKind: "ok",
			wantCallsA: []string{"/y"}, wantCallsB: []string{"/y"},
		},
		{
			name: "transient then missing is transient, not not-found", path: "/nope", failA: errOf(vaultly.ErrTransient),
			opts:     []Option{FallThroughOnTransient(true)},
			wantKind: "transient", wantInError: []string{"a failed", "asked a, b"},
			wantCallsA: []string{"/nope"}, wantCallsB: []string{"/nope"},
		},
		{
			name: "auth still stops with the option", path: "/y", failA: errOf(vaultly.ErrAuth),
			opts:       []Option{FallThroughOnTransient(true)},
			wantKind:   "auth",
			wantCallsA: []string{"/y"},
		},
		{
			name: "the last backend's failure is returned", path: "/y", failB: errOf(vaultly.ErrAuth),
			wantKind: "auth", wantInError: []string{"b failed (asked a, b)"},
			wantCallsA: []string{"/y"}, wantCallsB: []string{"/y"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture()
			if tt.failA != nil {
				f.a.Fail(tt.path, tt.failA)
			}
			if tt.failB != nil {
				f.b.Fail(tt.path, tt.failB)
			}
			c, err := New([]vaultly.Backend{f.a, f.b}, append(tt.opts, WithNames("a", "b"))...)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Get(context.Background(), ref(tt.path))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("value (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantKind, vaultly.KindOf(err)); diff != "" {
				t.Errorf("error kind (-want +got):\n%s\nerr: %v", diff, err)
			}
			for _, s := range tt.wantInError {
				if err == nil || !strings.Contains(err.Error(), s) {
					t.Errorf("error %v does not contain %q", err, s)
				}
			}
			if diff := cmp.Diff(tt.wantCallsA, paths(f.a.Calls())); diff != "" {
				t.Errorf("calls to a (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantCallsB, paths(f.b.Calls())); diff != "" {
				t.Errorf("calls to b (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGetKeepsCause(t *testing.T) {
	t.Parallel()
	cause := errors.New("AccessDeniedException")
	a := mock.New(nil)
	a.Fail("/x", backendkit.NewError("ssm", vaultly.ErrAuth, ref("/x"), cause))
	c, err := New([]vaultly.Backend{a, mock.New(nil)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Get(context.Background(), ref("/x"))
	if !errors.Is(err, cause) || !errors.Is(err, vaultly.ErrAuth) {
		t.Errorf("err = %v; want it to match ErrAuth and the cause", err)
	}
}

func TestGetCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	var calledB bool
	a := backendkit.Func(func(ctx context.Context, r vaultly.Ref) (string, error) {
		cancel()
		return "", backendkit.NewError("a", vaultly.ErrNotFound, r, nil)
	})
	b := backendkit.Func(func(ctx context.Context, r vaultly.Ref) (string, error) {
		calledB = true
		return "v", nil
	})
	c, err := New([]vaultly.Backend{a, b})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Get(ctx, ref("/x"))
	got := []bool{errors.Is(err, context.Canceled), errors.Is(err, vaultly.ErrTransient), calledB}
	if diff := cmp.Diff([]bool{true, false, false}, got); diff != "" {
		t.Errorf("canceled, transient, b called (-want +got):\n%s\nerr: %v", diff, err)
	}
}

func TestNames(t *testing.T) {
	t.Parallel()
	named := mock.New(nil)
	tests := []struct {
		name     string
		backends []vaultly.Backend
		opts     []Option
		want     string
	}{
		{"repeats numbered", []vaultly.Backend{named, mock.New(nil)}, nil, "chain(mock#1, mock#2)"},
		{"mock WithName", []vaultly.Backend{mock.New(nil, mock.WithName("first")), named}, nil, "chain(first, mock)"},
		{"Name method", []vaultly.Backend{nameOnly("vault"), named}, nil, "chain(vault, mock)"},
		{"Stringer", []vaultly.Backend{stringer("env:MYAPP"), named}, nil, "chain(env:MYAPP, mock)"},
		{"Go types, repeats numbered", []vaultly.Backend{goType{}, goType{}}, nil, "chain(chain.goType#1, chain.goType#2)"},
		{"WithNames", []vaultly.Backend{named, named}, []Option{WithNames("primary", "replica")}, "chain(primary, replica)"},
		{"a BackendFunc", []vaultly.Backend{backendkit.Func(func(context.Context, vaultly.Ref) (string, error) { return "", nil })}, nil, "chain(backendkit.Func)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(tt.backends, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, c.Name()); diff != "" {
				t.Errorf("Name (-want +got):\n%s", diff)
			}
		})
	}
}

type nameOnly string

func (n nameOnly) Get(context.Context, vaultly.Ref) (string, error) {
	return "", errOf(vaultly.ErrNotFound)
}
func (n nameOnly) Name() string { return string(n) }

type goType struct{}

func (goType) Get(context.Context, vaultly.Ref) (string, error) {
	return "", errOf(vaultly.ErrNotFound)
}

type stringer string

func (s stringer) Get(context.Context, vaultly.Ref) (string, error) {
	return "", errOf(vaultly.ErrNotFound)
}
func (s stringer) String() string { return string(s) }

// TestNewInvalid lists every invalid argument and option value: New
// refuses each with an ErrConfig error naming it.
func TestNewInvalid(t *testing.T) {
	t.Parallel()
	m := mock.New(nil)
	tests := []struct {
		name     string
		backends []vaultly.Backend
		opts     []Option
		want     string // a fragment of the error
	}{
		{"no backends", nil, nil, "no backends"},
		{"nil backend", []vaultly.Backend{m, nil}, nil, "backend 2 is nil"},
		{"too few names", []vaultly.Backend{m, m}, []Option{WithNames("a")}, "WithNames has 1 names for 2 backends"},
		{"no names", []vaultly.Backend{m}, []Option{WithNames()}, "WithNames has 0 names for 1 backends"},
		{"too many names", []vaultly.Backend{m}, []Option{WithNames("a", "b")}, "WithNames has 2 names for 1 backends"},
		{"empty name", []vaultly.Backend{m, m}, []Option{WithNames("a", "")}, "WithNames: name 2 is empty"},
		{"zero concurrency", []vaultly.Backend{m}, []Option{WithConcurrency(0)}, "WithConcurrency(0): want at least 1"},
		{"negative concurrency", []vaultly.Backend{m}, []Option{WithConcurrency(-3)}, "WithConcurrency(-3): want at least 1"},
		{"a later option wins", []vaultly.Backend{m}, []Option{WithConcurrency(4), WithConcurrency(0)}, "WithConcurrency(0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(tt.backends, tt.opts...)
			if !errors.Is(err, vaultly.ErrConfig) || c != nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v, %v; want nil and an ErrConfig containing %q", c, err, tt.want)
			}
		})
	}
}

func TestNewOptions(t *testing.T) {
	t.Parallel()
	m := mock.New(nil)
	c, err := New([]vaultly.Backend{m}, nil, WithConcurrency(0), WithConcurrency(2), FallThroughOnTransient(true))
	if err != nil {
		t.Fatal(err)
	}
	got := []any{c.concurrency, c.fallTransient}
	if diff := cmp.Diff([]any{2, true}, got); diff != "" {
		t.Errorf("concurrency, fall through (-want +got):\n%s", diff)
	}
	if _, err := New([]vaultly.Backend{m}, WithConcurrency(1)); err != nil {
		t.Errorf("WithConcurrency(1): %v, want it accepted", err)
	}
	c, err = New([]vaultly.Backend{m})
	if err != nil {
		t.Fatal(err)
	}
	got = []any{c.concurrency, c.fallTransient}
	if diff := cmp.Diff([]any{DefaultConcurrency, false}, got); diff != "" {
		t.Errorf("defaults: concurrency, fall through (-want +got):\n%s", diff)
	}
}

func TestGetBatch(t *testing.T) {
	t.Parallel()
	type want struct {
		vals      map[string]string
		errKinds  map[string]string
		batchA    [][]string // GetBatch calls to a (nil when a is plain)
		getsA     []string   // every Ref asked of a, sorted
		batchB    [][]string
		getsB     []string
		errSubstr map[string]string
	}
	tests := []struct {
		name   string
		plainA bool
		failA  map[string]error
		opts   []Option
		ask    []string
		want   want
	}{
		{
			name: "each backend asked only for what is missing",
			ask:  []string{"/x", "/y", "/z", "/w"},
			want: want{
				vals:      map[string]string{"/x": "a-x", "/y": "b-y", "/z": "b-z"},
				errKinds:  map[string]string{"/w": "not_found"},
				errSubstr: map[string]string{"/w": "asked a, b"},
				batchA:    [][]string{{"/x", "/y", "/z", "/w"}},
				getsA:     []string{"/w", "/x", "/y", "/z"},
				batchB:    [][]string{{"/y", "/z", "/w"}},
				getsB:     []string{"/w", "/y", "/z"},
			},
		},
		{
			name:   "a plain backend gets concurrent Gets",
			plainA: true,
			ask:    []string{"/x", "/y", "/z"},
			want: want{
				vals:   map[string]string{"/x": "a-x", "/y": "b-y", "/z": "b-z"},
				getsA:  []string{"/x", "/y", "/z"},
				batchB: [][]string{{"/y", "/z"}},
				getsB:  []string{"/y", "/z"},
			},
		},
		{
			name:  "auth stops the chain for that Ref only",
			failA: map[string]error{"/y": errOf(vaultly.ErrAuth)},
			ask:   []string{"/x", "/y", "/z"},
			want: want{
				vals:      map[string]string{"/x": "a-x", "/z": "b-z"},
				errKinds:  map[string]string{"/y": "auth"},
				errSubstr: map[string]string{"/y": "a failed"},
				batchA:    [][]string{{"/x", "/y", "/z"}},
				getsA:     []string{"/x", "/y", "/z"},
				batchB:    [][]string{{"/z"}},
				getsB:     []string{"/z"},
			},
		},
		{
			name:  "transient stops the chain for that Ref",
			failA: map[string]error{"/y": errOf(vaultly.ErrTransient)},
			ask:   []string{"/y", "/z"},
			want: want{
				vals:     map[string]string{"/z": "b-z"},
				errKinds: map[string]string{"/y": "transient"},
				batchA:   [][]string{{"/y", "/z"}},
				getsA:    []string{"/y", "/z"},
				batchB:   [][]string{{"/z"}},
				getsB:    []string{"/z"},
			},
		},
		{
			name:  "transient falls through with the option",
			failA: map[string]error{"/y": errOf(vaultly.ErrTransient), "/w": errOf(vaultly.ErrTransient)},
			opts:  []Option{FallThroughOnTransient(true)},
			ask:   []string{"/y", "/w"},
			want: want{
				vals:     map[string]string{"/y": "b-y"},
				errKinds: map[string]string{"/w": "transient"},
				batchA:   [][]string{{"/y", "/w"}},
				getsA:    []string{"/w", "/y"},
				batchB:   [][]string{{"/y", "/w"}},
				getsB:    []string{"/w", "/y"},
			},
		},
		{
			name:  "a whole-batch failure stops every Ref asked",
			failA: map[string]error{"": errOf(vaultly.ErrAuth)},
			ask:   []string{"/x", "/y"},
			want: want{
				vals:     map[string]string{},
				errKinds: map[string]string{"/x": "auth", "/y": "auth"},
				batchA:   [][]string{{"/x", "/y"}},
				getsA:    []string{"/x", "/y"},
			},
		},
		{
			name: "duplicates asked once; nothing asked of b when a has all",
			ask:  []string{"/x", "/x"},
			want: want{
				vals:   map[string]string{"/x": "a-x"},
				batchA: [][]string{{"/x"}},
				getsA:  []string{"/x"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture()
			for p, e := range tt.failA {
				f.a.Fail(p, e)
			}
			var a vaultly.Backend = f.a
			if tt.plainA {
				a = f.a.Plain()
			}
			c, err := New([]vaultly.Backend{a, f.b}, append(tt.opts, WithNames("a", "b"))...)
			if err != nil {
				t.Fatal(err)
			}
			refs := make([]vaultly.Ref, len(tt.ask))
			for i, p := range tt.ask {
				refs[i] = ref(p)
			}
			vals, err := c.GetBatch(context.Background(), refs)
			got := want{vals: map[string]string{}, getsA: sortedPaths(f.a.Calls()), getsB: sortedPaths(f.b.Calls())}
			for r, v := range vals {
				got.vals[r.Path] = v
			}
			for _, call := range f.a.BatchCalls() {
				got.batchA = append(got.batchA, paths(call))
			}
			for _, call := range f.b.BatchCalls() {
				got.batchB = append(got.batchB, paths(call))
			}
			var be *vaultly.BatchError
			if err != nil && !errors.As(err, &be) {
				t.Fatalf("err = %v, want a *vaultly.BatchError", err)
			}
			if be != nil {
				got.errKinds = map[string]string{}
				for r, e := range be.Errs {
					got.errKinds[r.Path] = vaultly.KindOf(e)
					if s, ok := tt.want.errSubstr[r.Path]; ok && !strings.Contains(e.Error(), s) {
						t.Errorf("error for %s = %v, want it to contain %q", r.Path, e, s)
					}
				}
			}
			got.errSubstr = tt.want.errSubstr
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("GetBatch (-want +got):\n%s", diff)
			}
		})
	}
}

func sortedPaths(refs []vaultly.Ref) []string {
	if len(refs) == 0 {
		return nil
	}
	p := paths(refs)
	slices.Sort(p)
	return p
}

func TestGetBatchCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	a := backendkit.Func(func(ctx context.Context, r vaultly.Ref) (string, error) {
		cancel()
		return "", ctx.Err()
	})
	b := mock.New(map[string]string{"/x": "v"})
	c, err := New([]vaultly.Backend{a, b})
	if err != nil {
		t.Fatal(err)
	}
	vals, err := c.GetBatch(ctx, []vaultly.Ref{ref("/x"), ref("/y")})
	got := []bool{vals == nil, errors.Is(err, context.Canceled), errors.Is(err, vaultly.ErrTransient), b.Requests() == 0}
	if diff := cmp.Diff([]bool{true, true, false, true}, got); diff != "" {
		t.Errorf("no values, canceled, transient, b not asked (-want +got):\n%s\nerr: %v", diff, err)
	}
}

// GetBatch to a plain member runs WithConcurrency Gets at once, no more.
func TestGetBatchConcurrencyBound(t *testing.T) {
	t.Parallel()
	const limit = 3
	var (
		inflight, peak atomic.Int32
		full           = make(chan struct{})
		once           sync.Once
	)
	plain := backendkit.Func(func(ctx context.Context, r vaultly.Ref) (string, error) {
		n := inflight.Add(1)
		defer inflight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		if n == limit {
			once.Do(func() { close(full) })
		}
		// Hold the first callers until the bound is reached, so the test
		// sees real concurrency; later callers pass straight through.
		select {
		case <-full:
		case <-ctx.Done():
			return "", ctx.Err()
		}
		return "v" + r.Path, nil
	})
	c, err := New([]vaultly.Backend{plain}, WithConcurrency(limit))
	if err != nil {
		t.Fatal(err)
	}
	var refs []vaultly.Ref
	for _, p := range []string{"/1", "/2", "/3", "/4", "/5", "/6", "/7"} {
		refs = append(refs, ref(p))
	}
	vals, err := c.GetBatch(context.Background(), refs)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{7, limit}, []int{len(vals), int(peak.Load())}); diff != "" {
		t.Errorf("values, peak concurrency (-want +got):\n%s", diff)
	}
}

func TestZeroValueDoesNotPanic(t *testing.T) {
	t.Parallel()
	_, err1 := (&Backend{}).Get(context.Background(), ref("/x"))
	_, err2 := (&Backend{}).GetBatch(context.Background(), []vaultly.Ref{ref("/x")})
	for i, err := range []error{err1, err2} {
		if !errors.Is(err, vaultly.ErrConfig) {
			t.Errorf("call %d: err = %v, want ErrConfig", i+1, err)
		}
	}
}
