package vaultly_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

// Defects found by an independent review of the day's work; each test
// failed before its fix.

// batchThenFail answers its first GetBatch, then parks the next one until
// released and fails it; Get answers the current value.
type batchThenFail struct {
	mu               sync.Mutex
	val              string
	entered, release chan struct{}
}

func (b *batchThenFail) Get(context.Context, vaultly.Ref) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.val, nil
}

func (b *batchThenFail) GetBatch(_ context.Context, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	if b.entered != nil {
		close(b.entered)
		<-b.release
		return nil, &vaultly.BackendError{Backend: "b", Kind: vaultly.ErrTransient, Err: errors.New("throttled")}
	}
	m := map[vaultly.Ref]string{}
	for _, r := range refs {
		m[r] = b.val
	}
	return m, nil
}

// TestPlainFieldOfAnOvertakenBatch: a batch that fails for a Ref after a
// newer Refresh answered fills a plain field naming that Ref with the newer
// value, never with "".
func TestPlainFieldOfAnOvertakenBatch(t *testing.T) {
	t.Parallel()
	type C struct {
		Plain string                 `secret:"/k"`
		S     vaultly.Secret[string] `secret:"/k"`
	}
	ctx := context.Background()
	b := &batchThenFail{val: "v1"}
	l := mustLoader(t, b)
	var c C
	if err := l.Load(ctx, &c); err != nil {
		t.Fatal(err)
	}
	b.entered, b.release = make(chan struct{}), make(chan struct{})
	var c2 C
	done := make(chan error)
	go func() { done <- l.Load(ctx, &c2) }()
	<-b.entered
	b.mu.Lock()
	b.val = "v2"
	b.mu.Unlock()
	if v, err := c.S.Refresh(ctx); err != nil || v != "v2" {
		t.Fatal(v, err)
	}
	close(b.release)
	if err := <-done; err == nil && c2.Plain != "v2" {
		t.Errorf("Load = nil with Plain = %q; want v2 or an error", c2.Plain)
	}
}

type panicName struct{}

func (panicName) Get(context.Context, vaultly.Ref) (string, error) { panic("boom") }
func (panicName) Name() string                                     { panic("name boom") }

// TestMisbehavingBackendsDoNotCrashLoad: a Name method that panics and a
// typed-nil backend give Load an error, not a crash.
func TestMisbehavingBackendsDoNotCrashLoad(t *testing.T) {
	t.Parallel()
	type C struct {
		A string `secret:"/a"`
	}
	for _, tt := range []struct {
		name string
		b    vaultly.Backend
	}{
		{"Name panics", panicName{}},
		{"typed nil", (*mock.Backend)(nil)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			done := make(chan error, 1)
			go func() {
				var c C
				done <- vaultly.Load(&c, tt.b)
			}()
			select {
			case err := <-done:
				if err == nil {
					t.Errorf("Load = nil")
				}
			case <-time.After(10 * time.Second): // a hang bound, never reached by a passing run
				t.Fatal("Load never returned")
			}
		})
	}
}

// unclassified fails with an error that says nothing of its kind.
type unclassified struct {
	mu   sync.Mutex
	fail bool
}

func (b *unclassified) Get(context.Context, vaultly.Ref) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail {
		return "", errors.New("read tcp: connection reset by peer")
	}
	return "v1", nil
}

// TestUnknownFailureIsTransient: as the Backend contract says, an
// unclassified failure counts as transient: a stale_on_error field serves
// its last value.
func TestUnknownFailureIsTransient(t *testing.T) {
	t.Parallel()
	clk := newClock()
	b := &unclassified{}
	l := mustLoader(t, b, vaultly.WithClock(clk.Now))
	var c struct {
		S vaultly.Secret[string] `secret:"/k,ttl=1m,stale_on_error"`
	}
	if err := l.Load(context.Background(), &c); err != nil {
		t.Fatal(err)
	}
	b.mu.Lock()
	b.fail = true
	b.mu.Unlock()
	clk.Advance(2 * time.Minute)
	if v, err := c.S.Get(context.Background()); err != nil || v != "v1" {
		t.Errorf("Get = %q, %v; want the stale v1", v, err)
	}
}

// TestMisspeltDefaultIsNotQuoted: a tag error never quotes the value of an
// option vaultly does not know (a misspelt default, say).
func TestMisspeltDefaultIsNotQuoted(t *testing.T) {
	t.Parallel()
	type C1 struct {
		A string `secret:"/db/pw,Default=hunter2-secret"`
	}
	type C2 struct {
		A string `secret:"/db/pw, default =hunter2-secret"`
	}
	for _, dst := range []any{&C1{}, &C2{}} {
		err := vaultly.Load(dst, mock.New(nil))
		if !errors.Is(err, vaultly.ErrConfig) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Load(%T) = %v; want ErrConfig without the value", dst, err)
		}
	}
}
