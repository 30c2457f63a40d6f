package awsfake

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// Core is the shared state of a fake service: its listener, counters,
// call log (of the fake's own Call type C), faults, quota and clock. It
// is safe for concurrent use. The fake's store has a lock of its own.
type Core[C any] struct {
	name       string // the fake's package name, in errors and request ids: "ssmtest"
	messageKey string // the key of an error answer's text: "message" or "Message"
	url        string
	http       *http.Server
	done       chan struct{} // closed by Close: ends injected latencies
	wg         sync.WaitGroup
	t          testing.TB // SetTest

	// Set by the options, before Start.
	now       func() time.Time
	latency   time.Duration // added to every answer
	quota     *rate.Limiter // nil: no quota
	hook      func(op string, at time.Time, throttled bool)
	noCallLog bool

	mu        sync.Mutex
	faults    []*installedFault
	counts    map[string]int
	throttled map[string]int // refused by the quota, by operation
	calls     []C
	closed    bool
	requests  int64         // for request ids
	arrived   chan struct{} // closed and replaced on every request
	inFlight  int
	maxIn     int
}

// NewCore returns a Core for the fake named name, whose error answers
// hold their text under messageKey, with the clock time.Now, not yet
// listening.
func NewCore[C any](name, messageKey string) *Core[C] {
	return &Core[C]{
		name:       name,
		messageKey: messageKey,
		done:       make(chan struct{}),
		now:        time.Now,
		counts:     make(map[string]int),
		throttled:  make(map[string]int),
		arrived:    make(chan struct{}),
	}
}

// Start listens on a free port of 127.0.0.1 and serves h there.
func (c *Core[C]) Start(h http.Handler) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	c.url = "http://" + ln.Addr().String()
	c.http = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		_ = c.http.Serve(ln) // ends with http.ErrServerClosed, or the listener failed: nothing to report it to
	}()
	return nil
}

// SetTest makes Misuse fail t instead of panicking.
func (c *Core[C]) SetTest(t testing.TB) { c.t = t }

// Misuse reports a mistake in the test code: it fails the test given to
// SetTest, or panics without one.
func (c *Core[C]) Misuse(format string, args ...any) {
	msg := c.name + ": " + fmt.Sprintf(format, args...)
	if c.t == nil {
		panic(msg)
	}
	c.t.Helper()
	c.t.Error(msg)
}

// URL is the base URL Start listens on, such as "http://127.0.0.1:41234".
func (c *Core[C]) URL() string { return c.url }

// Now reads the clock (SetClock).
func (c *Core[C]) Now() time.Time { return c.now() }

// Close ends every injected latency, closes all connections and waits for
// the handlers to return. It is safe to call more than once.
func (c *Core[C]) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.mu.Unlock()
	close(c.done)
	if c.http != nil {
		_ = c.http.Close()
	}
	c.wg.Wait()
}

// Requests returns how many requests for op arrived, whatever they were
// answered with.
func (c *Core[C]) Requests(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[op]
}

// TotalRequests returns how many requests arrived, for any operation.
func (c *Core[C]) TotalRequests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.totalLocked()
}

func (c *Core[C]) totalLocked() int {
	n := 0
	for _, k := range c.counts {
		n += k
	}
	return n
}

// Calls returns the call log, each call copied with clone.
func (c *Core[C]) Calls(clone func(C) C) []C {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]C, len(c.calls))
	for i, call := range c.calls {
		out[i] = clone(call)
	}
	return out
}

// MaxInFlight returns the largest number of requests the server was
// handling at the same time.
func (c *Core[C]) MaxInFlight() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.maxIn
}

// ResetCounts sets the request and throttle counters and MaxInFlight to
// zero and forgets the calls.
func (c *Core[C]) ResetCounts() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts = make(map[string]int)
	c.throttled = make(map[string]int)
	c.calls = nil
	c.maxIn = c.inFlight
}

// Record counts a request of op, logs call (unless the call log is off),
// and returns the request's serial number, from 1.
func (c *Core[C]) Record(op string, call C) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[op]++
	if !c.noCallLog {
		c.calls = append(c.calls, call)
	}
	c.requests++
	close(c.arrived)
	c.arrived = make(chan struct{})
	return c.requests
}

// WaitRequests blocks until at least n requests for op have arrived (an
// empty op counts every operation) or ctx ends, whichever is first.
func (c *Core[C]) WaitRequests(ctx context.Context, op string, n int) error {
	for {
		c.mu.Lock()
		count := c.counts[op]
		if op == "" {
			count = c.totalLocked()
		}
		ch := c.arrived
		c.mu.Unlock()
		if count >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// SetClock sets the clock (option WithClock): a nil clock is an error.
func (c *Core[C]) SetClock(now func() time.Time) error {
	if now == nil {
		return errors.New(c.name + ": WithClock: nil clock")
	}
	c.now = now
	return nil
}

// SetLatency delays every answer by d (option WithLatency): a negative d
// is an error.
func (c *Core[C]) SetLatency(d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("%s: WithLatency(%v): negative latency", c.name, d)
	}
	c.latency = d
	return nil
}

// SetCallLog sets whether the call log is kept (option WithCallLog).
func (c *Core[C]) SetCallLog(keep bool) { c.noCallLog = !keep }
