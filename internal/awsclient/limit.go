package awsclient

import (
	"context"
	"errors"

	"golang.org/x/time/rate"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/internal/ratelimit"
)

// LimitError is a wait for the client-side rate limit (WithRateLimit)
// that ended without a turn: the caller's context ended, or its deadline
// comes before the turn. Err is the context's error.
type LimitError struct{ Err error }

func (e *LimitError) Error() string {
	return "waiting for the client-side rate limit (WithRateLimit): " + e.Err.Error()
}

func (e *LimitError) Unwrap() error { return e.Err }

// Wait blocks until l allows one API call (ratelimit.Wait; a nil l never
// waits). When it cannot, the error is a *LimitError, which Canceled
// reports as the caller's cancellation.
func Wait(ctx context.Context, l *rate.Limiter) error {
	if err := ratelimit.Wait(ctx, l); err != nil {
		return &LimitError{Err: err}
	}
	return nil
}

// Canceled is the error of a call for ref that failed with err because
// the caller's ctx ended, or because its wait for the rate limit could
// not end before the deadline (a *LimitError): it matches the context's
// error (and err) but no kind, so it is never answered from a stale
// value. It is nil for every other failure, which the backend
// classifies.
func Canceled(ctx context.Context, backend string, ref vaultly.Ref, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return backendkit.NewCanceledError(backend, ref, ctxErr, err)
	}
	var le *LimitError
	if errors.As(err, &le) {
		return backendkit.NewCanceledError(backend, ref, le.Err, le)
	}
	return nil
}
