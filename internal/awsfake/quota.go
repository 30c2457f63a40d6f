package awsfake

import (
	"errors"
	"fmt"
	"math"
	"time"

	"golang.org/x/time/rate"
)

// SetQuota makes the server refuse requests over a token bucket of burst
// requests refilled at rps a second, read on the server's clock (option
// WithQuota). rps must be positive and finite and burst at least 1.
func (c *Core[C]) SetQuota(rps float64, burst int) error {
	if !(rps > 0) || math.IsInf(rps, 1) {
		return fmt.Errorf("%s: WithQuota(%v, %d): rps must be a positive, finite number", c.name, rps, burst)
	}
	if burst < 1 {
		return fmt.Errorf("%s: WithQuota(%v, %d): burst must be at least 1", c.name, rps, burst)
	}
	c.quota = rate.NewLimiter(rate.Limit(rps), burst)
	return nil
}

// SetRequestHook calls fn for every request the quota decides on (option
// WithRequestHook): a nil fn is an error.
func (c *Core[C]) SetRequestHook(fn func(op string, at time.Time, throttled bool)) error {
	if fn == nil {
		return errors.New(c.name + ": WithRequestHook: nil function")
	}
	c.hook = fn
	return nil
}

// Throttled returns how many requests for op the quota refused (an empty
// op counts every operation).
func (c *Core[C]) Throttled(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if op != "" {
		return c.throttled[op]
	}
	n := 0
	for _, k := range c.throttled {
		n += k
	}
	return n
}

// admit takes one token of the quota for a request of op, counts a
// refusal, and calls the request hook. It reports whether the request may
// proceed.
func (c *Core[C]) admit(op string) bool {
	if c.quota == nil && c.hook == nil {
		return true
	}
	at := c.now()
	ok := c.quota == nil || c.quota.AllowN(at, 1)
	if !ok {
		c.mu.Lock()
		c.throttled[op]++
		c.mu.Unlock()
	}
	if c.hook != nil {
		c.hook(op, at, !ok)
	}
	return ok
}
