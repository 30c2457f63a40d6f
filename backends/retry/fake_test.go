package retry

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

// fakeClock is a manual clock whose sleep advances time instantly and
// records the delays.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	slept []time.Duration
	ends  []time.Time // when each sleep ended
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	c.slept = append(c.slept, d)
	c.ends = append(c.ends, c.t)
	return nil
}

func (c *fakeClock) delays() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

func (c *fakeClock) opts() []Option {
	return []Option{WithClock(c.now), WithSleep(c.sleep)}
}

// scripted answers Get with errs in turn, then with "value"; each call
// costs cost on the clock.
type scripted struct {
	mu    sync.Mutex
	errs  []error
	calls int
	clock *fakeClock
	cost  time.Duration
}

func (s *scripted) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	s.mu.Lock()
	i := s.calls
	s.calls++
	s.mu.Unlock()
	if s.clock != nil {
		s.clock.advance(s.cost)
	}
	if i < len(s.errs) {
		return "", s.errs[i]
	}
	return "value-of-" + ref.Path, nil
}

func (s *scripted) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func transient(path string) error {
	return backendkit.NewError("fake", vaultly.ErrTransient, vaultly.Ref{Path: path}, errors.New("503 slow down"))
}

func kindErr(kind error, path string) error {
	return backendkit.NewError("fake", kind, vaultly.Ref{Path: path}, nil)
}

// describe summarises an error for cmp: its kind, and the attempts and
// budget flag when it is a *Error.
func describe(err error) string {
	if err == nil {
		return "ok"
	}
	s := vaultly.KindOf(err)
	var re *Error
	if errors.As(err, &re) {
		s += fmt.Sprintf(" attempts=%d budget=%v", re.Attempts, re.BudgetExhausted)
	}
	return s
}

// batchCall is one answer of fakeBatch.
type batchCall struct {
	found map[string]string // path -> value
	errs  map[string]error  // path -> per-Ref error (a *vaultly.BatchError)
	whole error             // an error for the whole batch
}

// fakeBatch answers GetBatch from a script and records what it was asked.
type fakeBatch struct {
	mu     sync.Mutex
	script []batchCall
	asked  [][]string
}

func (f *fakeBatch) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	vals, err := f.answer(ctx, []vaultly.Ref{ref})
	return backendkit.BatchResult(ref, vals, err)
}

func (f *fakeBatch) GetBatch(ctx context.Context, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	return f.answer(ctx, refs)
}

func (f *fakeBatch) answer(ctx context.Context, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	paths := make([]string, len(refs))
	for i, r := range refs {
		paths[i] = r.Path
	}
	f.asked = append(f.asked, paths)
	c := f.script[min(len(f.asked), len(f.script))-1]
	out := map[vaultly.Ref]string{}
	errs := map[vaultly.Ref]error{}
	for _, r := range refs {
		if v, ok := c.found[r.Path]; ok {
			out[r] = v
		} else if e, ok := c.errs[r.Path]; ok {
			errs[r] = e
		}
	}
	if c.whole != nil {
		return out, c.whole
	}
	if len(errs) > 0 {
		return out, &vaultly.BatchError{Errs: errs}
	}
	return out, nil
}

func (f *fakeBatch) calls() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]string(nil), f.asked...)
}
