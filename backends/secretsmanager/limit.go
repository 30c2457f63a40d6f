package secretsmanager

import (
	"context"

	"github.com/vaultly/vaultly/internal/ratelimit"
)

// limitError is a wait for the rate limit (WithRateLimit) that ended
// without a turn: the caller's context ended, or its deadline comes
// before the turn. err is the context's error; classify reports it as the
// caller's cancellation, matching err and no kind.
type limitError struct{ err error }

func (e *limitError) Error() string {
	return "waiting for the client-side rate limit (WithRateLimit): " + e.err.Error()
}

func (e *limitError) Unwrap() error { return e.err }

// wait blocks until the rate limit allows one API call, as package ssm's
// does: every GetSecretValue, every BatchGetSecretValue call of a batch
// and every page of a prefix waits for its turn first; the SDK's retries
// of a call do not wait again (its backoff spaces them).
func (b *Backend) wait(ctx context.Context) error {
	if err := ratelimit.Wait(ctx, b.limiter); err != nil {
		return &limitError{err: err}
	}
	return nil
}
