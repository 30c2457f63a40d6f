// Package ratelimit is the one client-side rate limit of the module's
// network backends (WithRateLimit on ssm, secretsmanager and vault): a
// golang.org/x/time/rate limiter per backend, shared by every Loader that
// uses the backend, and one way to wait for it that reports the end of the
// caller's context like every other wait in the module.
package ratelimit

import (
	"context"
	"errors"
	"math"

	"golang.org/x/time/rate"
)

// New checks the arguments of a WithRateLimit option and returns the
// limiter: rps requests a second on average, up to burst at once.
func New(rps float64, burst int) (*rate.Limiter, error) {
	if !(rps > 0) || math.IsInf(rps, 1) {
		return nil, errors.New("rate limit must be a positive, finite number of requests a second")
	}
	if burst < 1 {
		return nil, errors.New("rate limit burst must be at least 1")
	}
	return rate.NewLimiter(rate.Limit(rps), burst), nil
}

// Wait blocks until l allows one request or ctx ends; a nil l never
// waits. It returns nil, or ctx.Err() when the context ended, or
// context.DeadlineExceeded at once when the context's deadline comes
// before the request's turn (waiting would be in vain). Backends report
// that error with backendkit.NewCanceledError.
func Wait(ctx context.Context, l *rate.Limiter) error {
	if l == nil {
		return nil
	}
	if err := l.Wait(ctx); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return context.DeadlineExceeded
	}
	return nil
}
