package retry

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

// Backend retries the Get calls of a plain (non-batching) backend. New
// returns a *Backend when the inner backend does not implement
// vaultly.BatchBackend. It is safe for concurrent use. The zero value is
// not usable (its calls fail with vaultly.ErrConfig); use New.
type Backend struct {
	inner vaultly.Backend
	cfg   config
}

var (
	_ vaultly.Backend      = (*Backend)(nil)
	_ vaultly.BatchBackend = (*BatchingBackend)(nil)
)

// New wraps inner with retries. It returns a *BatchingBackend when inner
// implements vaultly.BatchBackend and a *Backend otherwise, so the result
// can batch exactly when inner can. Invalid settings (MaxAttempts below 1,
// a negative delay, MaxDelay below BaseDelay, a TotalTimeout that is not
// positive, a nil inner) are an error matching vaultly.ErrConfig.
func New(inner vaultly.Backend, opts ...Option) (vaultly.Backend, error) {
	b, err := newBackend(inner, opts)
	if err != nil {
		return nil, err
	}
	if bb, ok := inner.(vaultly.BatchBackend); ok {
		return &BatchingBackend{b: b, batch: bb}, nil
	}
	return b, nil
}

func newBackend(inner vaultly.Backend, opts []Option) (*Backend, error) {
	if inner == nil {
		return nil, fmt.Errorf("retry: %w: nil inner backend", vaultly.ErrConfig)
	}
	cfg := defaultConfig()
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Backend{inner: inner, cfg: cfg}, nil
}

// Name returns "retry(<inner>)", where <inner> is the inner backend's
// Name(), String() or Go type.
func (b *Backend) Name() string { return "retry(" + backendkit.Name(b.inner) + ")" }

// Get fetches ref from the inner backend, retrying failures that
// IsRetryable accepts until one succeeds, MaxAttempts attempts were made,
// or the next sleep would end past TotalTimeout. A failure that is not
// retryable is returned as it is; when retries ran out the last error is
// wrapped in an *Error. When ctx ends, Get returns at once with an error
// matching ctx.Err().
func (b *Backend) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	if b == nil || b.inner == nil {
		return "", errNotNew
	}
	return call(ctx, b, ref, func(actx context.Context) (string, error) { return b.inner.Get(actx, ref) })
}

// call runs f, one attempt of a call for ref, under run's attempts and
// budget: it returns the value of the attempt that succeeded, or the error
// finish makes of the last failure. Get, GetPrefix and GetLease share it.
func call[T any](ctx context.Context, b *Backend, ref vaultly.Ref, f func(context.Context) (T, error)) (T, error) {
	var val T
	out, n, err := b.run(ctx, ref, func(actx context.Context) (bool, error) {
		v, err := f(actx)
		if err == nil {
			val = v
			return false, nil
		}
		err = budgetError(ctx, actx, ref, err)
		return b.cfg.isRetryable(err), err
	})
	if err != nil {
		var zero T
		return zero, b.finish(ctx, ref, out, n, err)
	}
	return val, nil
}

// errNotNew is returned by a Backend that did not come from New.
var errNotNew = fmt.Errorf("retry: %w: backend not created with retry.New", vaultly.ErrConfig)

// outcome says why run stopped.
type outcome int

const (
	settled     outcome = iota // the step succeeded or failed for good
	exhausted                  // MaxAttempts reached
	outOfBudget                // the next sleep would end past TotalTimeout
	canceled                   // the caller's context ended
)

// run calls step until it succeeds, returns retry=false, or the attempts,
// the budget or ctx run out. step gets a context whose deadline is the time
// left in the budget. run returns why it stopped, the attempts made and
// the last step's error.
func (b *Backend) run(ctx context.Context, ref vaultly.Ref, step func(context.Context) (retry bool, err error)) (outcome, int, error) {
	c := &b.cfg
	deadline := c.now().Add(c.totalTimeout)
	var last error
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			if last == nil {
				last = err
			}
			return canceled, attempt - 1, last
		}
		remaining := c.totalTimeout
		if attempt > 1 {
			remaining = deadline.Sub(c.now())
			if remaining <= 0 {
				return outOfBudget, attempt - 1, last
			}
		}
		actx, cancel := context.WithTimeout(ctx, remaining)
		retry, err := step(actx)
		cancel()
		if err == nil {
			return settled, attempt, nil
		}
		last = err
		switch {
		case ctx.Err() != nil:
			return canceled, attempt, err
		case !retry:
			return settled, attempt, err
		case attempt >= c.maxAttempts:
			return exhausted, attempt, err
		}
		delay := b.delay(attempt)
		if !c.now().Add(delay).Before(deadline) {
			return outOfBudget, attempt, err
		}
		b.notify(ctx, ref, attempt, err, delay)
		_ = c.sleep(ctx, delay) // a failed sleep is seen through ctx below
		if ctx.Err() != nil {
			return canceled, attempt, err
		}
	}
}

// finish turns the last error of run into the error returned to the caller
// for ref (the zero Ref for a whole batch).
func (b *Backend) finish(ctx context.Context, ref vaultly.Ref, out outcome, attempts int, err error) error {
	switch out {
	case canceled:
		return canceledError(ref, ctx.Err(), attempts, err)
	case exhausted, outOfBudget:
		return &Error{
			Attempts:        attempts,
			TotalTimeout:    b.cfg.totalTimeout,
			BudgetExhausted: out == outOfBudget,
			Err:             err,
		}
	}
	return err
}

// delay returns the sleep before the attempt after attempt.
func (b *Backend) delay(attempt int) time.Duration {
	c := &b.cfg
	if c.backoff != nil {
		return max(c.backoff(attempt), 0)
	}
	shift := attempt - 1
	var d time.Duration
	switch {
	case c.baseDelay == 0:
		d = 0
	case shift >= 62 || c.baseDelay > c.maxDelay>>shift:
		d = c.maxDelay
	default:
		d = c.baseDelay << shift
	}
	if c.jitter && d > 0 {
		n := int64(d)
		if n < math.MaxInt64 {
			n++ // the upper bound is included
		}
		d = time.Duration(c.randN(n))
	}
	return d
}

// notify calls the context's Hooks.OnRetry and the OnRetry option,
// recovering and logging a panic in either.
func (b *Backend) notify(ctx context.Context, ref vaultly.Ref, attempt int, err error, delay time.Duration) {
	if h := backendkit.Hooks(ctx); h != nil && h.OnRetry != nil {
		b.safely(ctx, "vaultly.Hooks.OnRetry", ref, attempt, func() { h.OnRetry(ref, attempt, err, delay) })
	}
	if f := b.cfg.onRetry; f != nil {
		b.safely(ctx, "retry.OnRetry", ref, attempt, func() { f(attempt, err, delay) })
	}
}

func (b *Backend) safely(ctx context.Context, hook string, ref vaultly.Ref, attempt int, f func()) {
	defer func() {
		if r := recover(); r != nil {
			b.cfg.logger.WarnContext(ctx, "retry: hook panicked; retrying anyway",
				"hook", hook, "ref", ref.String(), "attempt", attempt, "panic", fmt.Sprint(r))
		}
	}()
	f()
}
