package retry

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

// Error is returned when retrying stopped with the call still failing
// because the attempts or the time budget ran out. It wraps the last
// attempt's error, so it still matches vaultly.ErrTransient (or whatever
// IsRetryable accepted) and the backend's own cause stays reachable with
// errors.As.
type Error struct {
	Attempts     int           // attempts made
	TotalTimeout time.Duration // the budget
	// BudgetExhausted is true when the time budget, not MaxAttempts,
	// stopped the retries.
	BudgetExhausted bool
	Err             error // the last attempt's error
}

// Error reads like "retry: gave up after 3 attempts (total timeout 10s): ...".
func (e *Error) Error() string {
	if e.BudgetExhausted {
		return fmt.Sprintf("retry: total timeout %s exhausted after %d %s: %v",
			e.TotalTimeout, e.Attempts, plural(e.Attempts), e.Err)
	}
	return fmt.Sprintf("retry: gave up after %d %s (total timeout %s): %v",
		e.Attempts, plural(e.Attempts), e.TotalTimeout, e.Err)
}

// Unwrap returns the last attempt's error.
func (e *Error) Unwrap() error { return e.Err }

func plural(n int) string {
	if n == 1 {
		return "attempt"
	}
	return "attempts"
}

// canceledError reports that the caller's context ended, with
// backendkit.NewCanceledError: it matches ctxErr and no error kind. The
// cause says how many attempts were made; it wraps the last attempt's
// error only when that error is itself a cancellation, and otherwise
// keeps it as text, so that a transient failure of the last attempt never
// makes the error match vaultly.ErrTransient.
func canceledError(ref vaultly.Ref, ctxErr error, attempts int, last error) error {
	var cause error
	switch {
	case attempts == 0:
		cause = errors.New("before the first attempt")
	case vaultly.KindOf(last) == "canceled":
		cause = fmt.Errorf("after %d %s: %w", attempts, plural(attempts), last)
	default:
		cause = fmt.Errorf("after %d %s (last error: %v)", attempts, plural(attempts), last)
	}
	return backendkit.NewCanceledError("retry", ref, ctxErr, cause)
}

// budgetError turns the failure of an attempt whose context was cut by the
// total timeout (while the caller's context is still live) into a
// transient failure: from the caller's side, the store was too slow.
func budgetError(ctx, attemptCtx context.Context, ref vaultly.Ref, err error) error {
	if err == nil || ctx.Err() != nil || attemptCtx.Err() == nil {
		return err
	}
	if errors.Is(err, vaultly.ErrTransient) {
		return err
	}
	if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		return err
	}
	return &vaultly.BackendError{
		Backend: "retry",
		Kind:    vaultly.ErrTransient,
		Ref:     ref,
		Msg:     "attempt cut short by the total timeout",
		Err:     err,
	}
}
