package vault

import (
	"context"
	"time"
)

// SetThrottleWait replaces how the backend waits before it retries a 429
// answer, and its jitter (tests only).
func SetThrottleWait(b *Backend, sleep func(ctx context.Context, d time.Duration) error, jitter func() float64) {
	b.reads.sleep, b.reads.jitter = sleep, jitter
}

// SetLeaseClock sets the clock that ages the lease ids kept for Close
// (tests only).
func SetLeaseClock(b *Backend, now func() time.Time) { b.reads.leases.now = now }
