package retry

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

// optionalFake answers GetPrefix and GetLease with errs in turn, then with
// a value; each call costs cost on the clock. It reads keys when keys.
type optionalFake struct {
	mu    sync.Mutex
	errs  []error
	calls int
	refs  []vaultly.Ref // what GetLease was asked for
	keys  bool
	clock *fakeClock
	cost  time.Duration
}

func (f *optionalFake) next() error {
	f.mu.Lock()
	i := f.calls
	f.calls++
	f.mu.Unlock()
	if f.clock != nil {
		f.clock.advance(f.cost)
	}
	if i < len(f.errs) {
		return f.errs[i]
	}
	return nil
}

func (f *optionalFake) Name() string    { return "fake" }
func (f *optionalFake) ReadsKeys() bool { return f.keys }
func (f *optionalFake) Get(context.Context, vaultly.Ref) (string, error) {
	return "", errors.New("Get called")
}

func (f *optionalFake) GetPrefix(ctx context.Context, prefix string, max int) (map[string]string, error) {
	if err := f.next(); err != nil {
		return nil, err
	}
	return map[string]string{"a": prefix, "max": string(rune('0' + max))}, nil
}

func (f *optionalFake) GetLease(ctx context.Context, ref vaultly.Ref) (string, time.Duration, error) {
	f.mu.Lock()
	f.refs = append(f.refs, ref)
	f.mu.Unlock()
	if err := f.next(); err != nil {
		return "", 0, err
	}
	return "lease-of-" + ref.String(), time.Hour, nil
}

// batchingFake is optionalFake with GetBatch, so that New returns a
// *BatchingBackend.
type batchingFake struct{ *optionalFake }

func (batchingFake) GetBatch(context.Context, []vaultly.Ref) (map[vaultly.Ref]string, error) {
	return nil, errors.New("GetBatch called")
}

// plainOnly has Get only.
type plainOnly struct{}

func (plainOnly) Get(context.Context, vaultly.Ref) (string, error) { return "v", nil }

type plainBatch struct{ plainOnly }

func (plainBatch) GetBatch(context.Context, []vaultly.Ref) (map[vaultly.Ref]string, error) {
	return nil, nil
}

// optional is what the tests call: both wrapper types have it.
type optional interface {
	backendkit.KeyBackend
	backendkit.PrefixBackend
	backendkit.LeaseBackend
}

func wrapOptional(t *testing.T, inner vaultly.Backend, opts ...Option) optional {
	t.Helper()
	b, err := New(inner, opts...)
	if err != nil {
		t.Fatal(err)
	}
	o, ok := b.(optional)
	if !ok {
		t.Fatalf("%T does not implement KeyBackend, PrefixBackend and LeaseBackend", b)
	}
	return o
}

func TestReadsKeys(t *testing.T) {
	t.Parallel()
	for _, batching := range []bool{false, true} {
		for _, tt := range []struct {
			inner vaultly.Backend
			want  bool
		}{
			{&optionalFake{keys: true}, true},
			{&optionalFake{keys: false}, false},
			{plainOnly{}, false},
		} {
			inner := tt.inner
			if f, ok := inner.(*optionalFake); ok && batching {
				inner = batchingFake{f}
			} else if batching {
				inner = plainBatch{}
			}
			if got := wrapOptional(t, inner).ReadsKeys(); got != tt.want {
				t.Errorf("retry.New(%T).ReadsKeys() = %v, want %v", inner, got, tt.want)
			}
		}
	}
	if (*Backend)(nil).ReadsKeys() || (*BatchingBackend)(nil).ReadsKeys() {
		t.Error("a nil wrapper reads keys")
	}
}

// GetPrefix and GetLease are retried as Get is: the same attempts,
// delays, budget and error kinds.
func TestGetPrefixAndLeaseRetried(t *testing.T) {
	t.Parallel()
	s := time.Second
	tests := []struct {
		name       string
		errs       []error
		opts       []Option
		cost       time.Duration
		wantCalls  int
		wantDelays []time.Duration
		wantErr    string
	}{
		{name: "succeeds after two transient failures", errs: []error{transient("/p/"), transient("/p/")},
			wantCalls: 3, wantDelays: []time.Duration{500 * time.Millisecond, s}, wantErr: "ok"},
		{name: "first try succeeds", wantCalls: 1, wantErr: "ok"},
		{name: "not found is not retried", errs: []error{kindErr(vaultly.ErrNotFound, "/p/")}, wantCalls: 1, wantErr: "not_found"},
		{name: "auth is not retried", errs: []error{kindErr(vaultly.ErrAuth, "/p/")}, wantCalls: 1, wantErr: "auth"},
		{name: "attempts run out", errs: []error{transient("/p/"), transient("/p/"), transient("/p/")},
			wantCalls: 3, wantDelays: []time.Duration{500 * time.Millisecond, s}, wantErr: "transient attempts=3 budget=false"},
		{name: "the budget runs out", errs: []error{transient("/p/"), transient("/p/")}, cost: 4 * s,
			opts: []Option{TotalTimeout(5 * s)}, wantCalls: 2, wantDelays: []time.Duration{500 * time.Millisecond},
			wantErr: "transient attempts=2 budget=true"},
		{name: "IsRetryable decides", errs: []error{kindErr(vaultly.ErrAuth, "/p/")},
			opts:      []Option{IsRetryable(func(err error) bool { return errors.Is(err, vaultly.ErrAuth) })},
			wantCalls: 2, wantDelays: []time.Duration{500 * time.Millisecond}, wantErr: "ok"},
	}
	for _, tt := range tests {
		for _, call := range []string{"GetPrefix", "GetLease"} {
			for _, batching := range []bool{false, true} {
				t.Run(tt.name+"/"+call, func(t *testing.T) {
					t.Parallel()
					clock := newFakeClock()
					f := &optionalFake{errs: tt.errs, clock: clock, cost: tt.cost}
					var inner vaultly.Backend = f
					if batching {
						inner = batchingFake{f}
					}
					b := wrapOptional(t, inner, append(append(clock.opts(), Jitter(false)), tt.opts...)...)
					var err error
					if call == "GetPrefix" {
						var got map[string]string
						got, err = b.GetPrefix(context.Background(), "/p/", 7)
						if want := map[string]string{"a": "/p/", "max": "7"}; err == nil && !cmp.Equal(got, want) {
							t.Errorf("GetPrefix = %v, want %v", got, want)
						}
						if err != nil && got != nil {
							t.Errorf("GetPrefix = %v with an error", got)
						}
					} else {
						ref := vaultly.Ref{Path: "/creds", Key: "user"}
						var v string
						var valid time.Duration
						v, valid, err = b.GetLease(context.Background(), ref)
						if err == nil && (v != "lease-of-/creds#user" || valid != time.Hour) {
							t.Errorf("GetLease = %q, %v; want the inner answer", v, valid)
						}
						if err != nil && (v != "" || valid != 0) {
							t.Errorf("GetLease = %q, %v with an error", v, valid)
						}
					}
					got := []any{f.calls, clock.delays(), describe(err)}
					want := []any{tt.wantCalls, tt.wantDelays, tt.wantErr}
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("calls, delays, error (-want +got):\n%s\nerr: %v", diff, err)
					}
				})
			}
		}
	}
}

func TestGetPrefixAndLeaseInnerLacks(t *testing.T) {
	t.Parallel()
	for _, inner := range []vaultly.Backend{plainOnly{}, plainBatch{}} {
		b := wrapOptional(t, inner)
		_, err := b.GetPrefix(context.Background(), "/p/", 10)
		if want := "retry: /p/: configuration error: inner backend " + backendkit.Name(inner) + " cannot list a prefix"; !errors.Is(err, vaultly.ErrConfig) || err.Error() != want {
			t.Errorf("%T: GetPrefix = %v; want %q", inner, err, want)
		}
		_, _, err = b.GetLease(context.Background(), vaultly.Ref{Path: "/a"})
		if !errors.Is(err, vaultly.ErrConfig) || vaultly.KindOf(err) != "config" {
			t.Errorf("%T: GetLease = %v; want ErrConfig", inner, err)
		}
		var re *Error
		if errors.As(err, &re) {
			t.Errorf("%T: GetLease was retried: %v", inner, err)
		}
		// a wrapper around b (a chain) sees what the inner backend can do
		if got := b.(interface{ Unwrap() vaultly.Backend }).Unwrap(); got != inner {
			t.Errorf("%T: Unwrap = %#v; want the inner backend", inner, got)
		}
	}
	if (*Backend)(nil).Unwrap() != nil || (*BatchingBackend)(nil).Unwrap() != nil {
		t.Error("nil Backend: Unwrap is not nil")
	}
}

func TestGetPrefixAndLeaseCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, batching := range []bool{false, true} {
		f := &optionalFake{}
		var inner vaultly.Backend = f
		if batching {
			inner = batchingFake{f}
		}
		b := wrapOptional(t, inner)
		_, err := b.GetPrefix(ctx, "/p/", 10)
		checkCanceled(t, err)
		_, _, err = b.GetLease(ctx, vaultly.Ref{Path: "/a"})
		checkCanceled(t, err)
		if f.calls != 0 {
			t.Errorf("the inner backend was called %d times with a canceled context", f.calls)
		}
	}
}

func TestOptionalZeroValue(t *testing.T) {
	t.Parallel()
	for _, b := range []optional{&Backend{}, (*Backend)(nil), (*BatchingBackend)(nil)} {
		if _, err := b.GetPrefix(context.Background(), "/p/", 1); !errors.Is(err, vaultly.ErrConfig) {
			t.Errorf("%#v: GetPrefix = %v; want ErrConfig", b, err)
		}
		if _, _, err := b.GetLease(context.Background(), vaultly.Ref{Path: "/a"}); !errors.Is(err, vaultly.ErrConfig) {
			t.Errorf("%#v: GetLease = %v; want ErrConfig", b, err)
		}
	}
}
