package vault

import (
	"context"
	"time"

	"github.com/hashicorp/vault/api"
	"golang.org/x/time/rate"
)

// readConfig holds the options of the read side: WithKVVersion,
// WithRateLimit, WithRevokeLeasesOnClose.
type readConfig struct {
	kvVersion    int           // 0: detect
	limiter      *rate.Limiter // nil: no client-side limit
	revokeLeases bool
}

// reads is the backend's state for reading: the mount's KV version, the
// rate limit, its own retries of 429 answers, and the leases GetLease
// handed out.
type reads struct {
	kv      kvVersion
	limiter *rate.Limiter
	// throttleRetries is how many times the backend retries a 429 answer
	// itself, with jittered backoff: the client's MaxRetries for a
	// client New builds (whose retry policy leaves 429 to the backend),
	// 0 for a client passed with WithClient (its own policy applies).
	throttleRetries int
	// sleep waits d or until ctx ends; replaced in tests.
	sleep func(ctx context.Context, d time.Duration) error
	// jitter returns a number in [0, 1); replaced in tests.
	jitter func() float64
	leases leaseSet
}

func (r *reads) init(cfg readConfig, client *api.Client, built bool) {
	r.kv.fixed = cfg.kvVersion
	r.limiter = cfg.limiter
	if built {
		r.throttleRetries = client.MaxRetries()
	}
	r.sleep = sleepCtx
	r.jitter = randFloat
	r.leases.keep = cfg.revokeLeases
	r.leases.now = time.Now
}

// sleepCtx waits d, or until ctx ends (then it returns ctx.Err()).
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
