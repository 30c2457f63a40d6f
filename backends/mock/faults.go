package mock

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

// Fault injection. Injected errors are decided after any hold and latency,
// when the mock "answers". Their precedence, first match wins: FailAll,
// FailNext(""), Fail(path), FailNext(path). A FailNext countdown is only
// consumed by the calls it actually fails.
//
// An injected error that already matches vaultly.ErrNotFound, ErrAuth,
// ErrTransient or ErrConfig (errors.Is) is returned as it is; any other
// error is wrapped as vaultly.ErrTransient with
// backendkit.NewError(name, vaultly.ErrTransient, ref, err), so it stays
// reachable with errors.Is and errors.As.

type countdown struct {
	n   int
	err error
}

// Fail makes every call for path fail with err until Fail(path, nil). In
// GetBatch only the Refs with that path fail, reported in a
// *vaultly.BatchError; the other Refs are answered. Fail("", err) is
// FailAll(err).
func (b *Backend) Fail(path string, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err == nil {
		delete(b.fail, path)
		return
	}
	b.fail[path] = err
}

// FailAll makes every call fail with err until FailAll(nil). A GetBatch
// fails as a whole, with a plain (non-batch) error.
func (b *Backend) FailAll(err error) { b.Fail("", err) }

// FailNext makes the next n calls for path fail with err, then lets calls
// through again. In GetBatch each Ref with that path counts as one call
// and fails alone, in a *vaultly.BatchError. FailNext("", n, err) fails the
// next n calls whatever their paths; a GetBatch then fails as a whole and
// counts as one call. n <= 0 or a nil err clears the countdown.
func (b *Backend) FailNext(path string, n int, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n <= 0 || err == nil {
		delete(b.failNext, path)
		return
	}
	b.failNext[path] = &countdown{n: n, err: err}
}

// injectedLocked returns the injected error for a call on key (a path, or
// "" for a whole call), consuming a FailNext countdown. b.mu must be held.
func (b *Backend) injectedLocked(key string) error {
	if err := b.fail[key]; err != nil {
		return err
	}
	if c := b.failNext[key]; c != nil {
		c.n--
		if c.n <= 0 {
			delete(b.failNext, key)
		}
		return c.err
	}
	return nil
}

// classify returns err as is when it already has a vaultly kind, else
// wrapped as ErrTransient.
func (b *Backend) classify(ref vaultly.Ref, err error) error {
	for _, kind := range []error{vaultly.ErrNotFound, vaultly.ErrAuth, vaultly.ErrTransient, vaultly.ErrConfig} {
		if errors.Is(err, kind) {
			return err
		}
	}
	return backendkit.NewError(b.name, vaultly.ErrTransient, ref, err)
}

// SetLatency makes calls for path wait d before they answer; path ""
// sets the default for paths without their own latency. d <= 0 removes it.
// A GetBatch waits for the largest latency among its Refs. The wait ends
// early, with an error matching ctx.Err(), when the caller's ctx ends.
func (b *Backend) SetLatency(path string, d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if d <= 0 {
		delete(b.latency, path)
		return
	}
	b.latency[path] = d
}

// latencyLocked returns the delay for one call on paths. b.mu must be held.
func (b *Backend) latencyLocked(refs []vaultly.Ref) time.Duration {
	def := b.latency[""]
	if len(refs) == 0 {
		return def
	}
	var d time.Duration
	for _, ref := range refs {
		l, ok := b.latency[ref.Path]
		if !ok {
			l = def
		}
		d = max(d, l)
	}
	return d
}

type hold struct {
	path string
	ch   chan struct{}
}

// Hold parks every call for path (every call when path is "") until
// release is called or the caller's ctx ends (the call then returns an
// error matching ctx.Err()). A GetBatch is held when any of its Refs is.
// Calls are recorded before they park, and answered with the state at
// release. Release may be called more than once.
//
// Use it to test single flight without sleeping: hold the path, start the
// readers, wait for them with AwaitWaiting (or poll Waiting), release, and
// check Requests.
func (b *Backend) Hold(path string) (release func()) {
	h := &hold{path: path, ch: make(chan struct{})}
	b.mu.Lock()
	b.holds[h] = struct{}{}
	b.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			delete(b.holds, h)
			b.mu.Unlock()
			close(h.ch)
		})
	}
}

// gatesLocked returns the channels of the holds that apply to a call on
// refs. b.mu must be held.
func (b *Backend) gatesLocked(refs []vaultly.Ref) []chan struct{} {
	var gates []chan struct{}
	for h := range b.holds {
		if h.path == "" || containsPath(refs, h.path) {
			gates = append(gates, h.ch)
		}
	}
	return gates
}

func containsPath(refs []vaultly.Ref, path string) bool {
	for _, ref := range refs {
		if ref.Path == path {
			return true
		}
	}
	return false
}

// Waiting returns how many calls are parked in a Hold right now.
func (b *Backend) Waiting() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.waiting
}

// AwaitWaiting blocks until at least n calls are parked in a Hold, or ctx
// ends (returning ctx.Err()). It wakes on every change, without polling.
func (b *Backend) AwaitWaiting(ctx context.Context, n int) error {
	for {
		b.mu.Lock()
		w, ch := b.waiting, b.waitingCh
		b.mu.Unlock()
		if w >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (b *Backend) addWaiting(delta int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.waiting += delta
	close(b.waitingCh)
	b.waitingCh = make(chan struct{})
}
