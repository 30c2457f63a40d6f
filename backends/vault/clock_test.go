package vault_test

import (
	"sync"
	"testing"
	"time"

	"github.com/vaultly/vaultly/backends/vault"
)

// fakeClock is a virtual clock for the token lifecycle and vaulttest: time
// moves only when the test fires the next timer.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	timers  []*fakeTimer
	changed chan struct{} // closed and replaced when a timer is armed
}

type fakeTimer struct {
	at      time.Time
	c       chan time.Time
	stopped bool
}

var _ vault.Clock = (*fakeClock)(nil)

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), changed: make(chan struct{})}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) (<-chan time.Time, func() bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{at: c.now.Add(d), c: make(chan time.Time, 1)}
	if d <= 0 {
		t.c <- c.now
		t.stopped = true
	} else {
		c.timers = append(c.timers, t)
		close(c.changed)
		c.changed = make(chan struct{})
	}
	return t.c, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := !t.stopped
		t.stopped = true
		return was
	}
}

// pending returns the earliest armed timer, or nil, and the channel that
// says a timer was armed.
func (c *fakeClock) pending() (*fakeTimer, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var first *fakeTimer
	live := c.timers[:0]
	for _, t := range c.timers {
		if t.stopped {
			continue
		}
		live = append(live, t)
		if first == nil || t.at.Before(first.at) {
			first = t
		}
	}
	c.timers = live
	return first, c.changed
}

// fireNext waits (in real time, at most 10 s) until the lifecycle
// goroutine waits on a timer, then moves the clock to that timer and
// fires it. It returns how far the clock moved.
func (c *fakeClock) fireNext(t *testing.T) time.Duration {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		first, changed := c.pending()
		if first != nil {
			c.mu.Lock()
			if first.stopped { // stopped meanwhile: look again
				c.mu.Unlock()
				continue
			}
			moved := max(first.at.Sub(c.now), 0)
			c.now = c.now.Add(moved)
			first.stopped = true
			first.c <- c.now
			c.mu.Unlock()
			return moved
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatal("the lifecycle armed no timer within 10 s")
		}
	}
}

// waitArmed waits until the lifecycle goroutine waits on a timer.
func (c *fakeClock) waitArmed(t *testing.T) time.Time {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		first, changed := c.pending()
		if first != nil {
			return first.at
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatal("the lifecycle armed no timer within 10 s")
		}
	}
}
