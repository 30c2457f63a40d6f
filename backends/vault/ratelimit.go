package vault

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/hashicorp/vault/api"
	"golang.org/x/time/rate"

	"github.com/vaultly/vaultly/internal/ratelimit"
)

// WithRateLimit limits the backend to rps requests a second on average,
// up to burst at once (golang.org/x/time/rate): one limiter per backend,
// shared by every Loader that uses it, so a fleet can stay inside a Vault
// cluster's rate-limit quota. Every request the backend sends waits its
// turn (reads, lists, the KV version check, leased reads, revocations,
// and their retries by a client New builds; not logins or renewals); a
// caller whose context ends, or whose deadline comes before its turn,
// gets its context error at once. rps must be positive and finite, burst
// at least 1.
func WithRateLimit(rps float64, burst int) Option {
	return func(c *config) error {
		l, err := ratelimit.New(rps, burst)
		if err != nil {
			return configError("WithRateLimit(%v, %d): %v", rps, burst, err)
		}
		c.read.limiter = l
		return nil
	}
}

// ownThrottleKey marks the context of a request the backend sends itself:
// checkRetry leaves its 429 answers to the backend's jittered backoff.
type ownThrottleKey struct{}

// checkRetry is the retry policy of a client New builds: the client's
// default (connection errors, 412, 429, 5xx but 501), except for the
// requests the backend sends itself (send): their retries wait for the
// rate limit, and their 429 answers are left to the backend, which
// retries them with jitter. Other requests (a login, a renewal) keep the
// client's policy as it is.
func checkRetry(l *rate.Limiter) func(ctx context.Context, resp *http.Response, err error) (bool, error) {
	return func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		own := ctx.Value(ownThrottleKey{}) != nil
		if own && ctx.Err() == nil && resp != nil && resp.StatusCode == http.StatusTooManyRequests {
			return false, nil
		}
		retry, rerr := api.DefaultRetryPolicy(ctx, resp, err)
		if own && retry && rerr == nil {
			if werr := ratelimit.Wait(ctx, l); werr != nil {
				if ctx.Err() != nil {
					return false, ctx.Err()
				}
				// The caller's deadline comes before the retry's turn:
				// the last answer (or failure) stands.
				return false, nil
			}
		}
		return retry, rerr
	}
}

// backoff is the wait before retry n (1, 2, ...) of a 429 answer: at
// least the answer's Retry-After, else MinRetryWait doubled for each retry
// up to MaxRetryWait; plus a random half of that again, so that a fleet
// throttled at once does not come back at once.
func (r *reads) backoff(n int, retryAfter time.Duration) time.Duration {
	d := MinRetryWait << min(n-1, 16)
	d = min(d, MaxRetryWait)
	d = max(d, retryAfter)
	return d + time.Duration(r.jitter()*float64(d/2))
}

// retryAfter reads a Retry-After header in seconds (Vault's form) or as
// an HTTP date; 0 when absent or unreadable. It is capped at CallTimeout.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	var d time.Duration
	if s, err := strconv.ParseUint(v, 10, 32); err == nil {
		d = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), CallTimeout)
}

func randFloat() float64 { return rand.Float64() }
