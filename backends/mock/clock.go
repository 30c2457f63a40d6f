package mock

import (
	"sync"
	"time"
)

// Clock is a clock that moves only when told to, for vaultly.WithClock:
// a test of TTLs, stale values or refresh-ahead advances it instead of
// sleeping.
//
//	clk := mock.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
//	loader := vaultly.New(backend, vaultly.WithClock(clk.Now))
//	clk.Advance(6 * time.Minute) // a ttl=5m value has now expired
//
// It is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock that reads start until it is moved.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
