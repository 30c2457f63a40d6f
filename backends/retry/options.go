package retry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/vaultly/vaultly"
)

// Defaults used by New.
const (
	DefaultMaxAttempts  = 3
	DefaultBaseDelay    = 500 * time.Millisecond
	DefaultMaxDelay     = 4 * time.Second
	DefaultTotalTimeout = 10 * time.Second
)

// An Option configures New.
type Option func(*config)

type config struct {
	maxAttempts  int
	baseDelay    time.Duration
	maxDelay     time.Duration
	totalTimeout time.Duration
	jitter       bool
	isRetryable  func(error) bool
	backoff      func(attempt int) time.Duration
	onRetry      func(attempt int, err error, delay time.Duration)
	logger       *slog.Logger
	now          func() time.Time
	sleep        func(ctx context.Context, d time.Duration) error
	randN        func(n int64) int64 // uniform in [0, n); replaced in tests
	nilFuncs     []string            // options given a nil function
}

// setFunc sets *dst to f, or records that option was given nil.
func setFunc[F any](c *config, option string, dst *F, f F, isNil bool) {
	if isNil {
		c.nilFuncs = append(c.nilFuncs, option)
		return
	}
	*dst = f
}

func defaultConfig() config {
	return config{
		maxAttempts:  DefaultMaxAttempts,
		baseDelay:    DefaultBaseDelay,
		maxDelay:     DefaultMaxDelay,
		totalTimeout: DefaultTotalTimeout,
		jitter:       true,
		isRetryable:  DefaultIsRetryable,
		logger:       slog.New(slog.DiscardHandler),
		now:          time.Now,
		sleep:        sleepContext,
		randN:        rand.Int64N,
	}
}

// MaxAttempts sets how many times a call is tried in all, the first try
// included (default 3). It must be at least 1; 1 disables retries.
func MaxAttempts(n int) Option { return func(c *config) { c.maxAttempts = n } }

// BaseDelay sets the delay cap before the second attempt (default 0.5 s);
// it doubles for each further attempt up to MaxDelay. It must not be
// negative.
func BaseDelay(d time.Duration) Option { return func(c *config) { c.baseDelay = d } }

// MaxDelay caps the delay between two attempts (default 4 s). It must not
// be less than BaseDelay.
func MaxDelay(d time.Duration) Option { return func(c *config) { c.maxDelay = d } }

// TotalTimeout sets the wall-clock budget for one Get or GetBatch call,
// every attempt and every sleep included (default 10 s). It must be
// positive. Each attempt's context gets the time left as its deadline, and
// a sleep that would end at or after the budget is not started.
func TotalTimeout(d time.Duration) Option { return func(c *config) { c.totalTimeout = d } }

// Jitter turns full jitter on or off (default on). With jitter, the delay
// before attempt n+1 is drawn uniformly from [0, min(MaxDelay,
// BaseDelay*2^(n-1))]; without it, the delay is that upper bound.
func Jitter(on bool) Option { return func(c *config) { c.jitter = on } }

// IsRetryable replaces the rule that decides whether a failed attempt is
// retried (default DefaultIsRetryable: vaultly.ErrTransient only). Whatever
// it says, nothing is retried once the caller's context is done. It must
// not be nil.
func IsRetryable(f func(error) bool) Option {
	return func(c *config) { setFunc(c, "IsRetryable", &c.isRetryable, f, f == nil) }
}

// Backoff replaces the exponential rule: the delay before attempt n+1 is
// f(n), where n is the attempt that just failed (1 for the first). Its
// result is used as it is (neither jittered nor capped by MaxDelay; a
// negative value counts as 0); TotalTimeout still applies. It must not be
// nil.
func Backoff(f func(attempt int) time.Duration) Option {
	return func(c *config) { setFunc(c, "Backoff", &c.backoff, f, f == nil) }
}

// OnRetry sets a hook called before each sleep, with the attempt that just
// failed, its error and the delay about to be slept. For GetBatch the error
// describes the Refs about to be retried. A panic in the hook is recovered
// and logged, and the retry goes on. The error never contains a secret
// value. It must not be nil.
func OnRetry(f func(attempt int, err error, delay time.Duration)) Option {
	return func(c *config) { setFunc(c, "OnRetry", &c.onRetry, f, f == nil) }
}

// WithLogger sets the logger for recovered hook panics (default: silent).
// It must not be nil.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { setFunc(c, "WithLogger", &c.logger, l, l == nil) }
}

// WithClock replaces time.Now for measuring the budget; for tests, with
// WithSleep. It must not be nil.
func WithClock(now func() time.Time) Option {
	return func(c *config) { setFunc(c, "WithClock", &c.now, now, now == nil) }
}

// WithSleep replaces the function that waits between attempts; for tests,
// so that they take no wall time. It must return promptly with an error
// when ctx is done, and must not be nil.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *config) { setFunc(c, "WithSleep", &c.sleep, sleep, sleep == nil) }
}

// DefaultIsRetryable reports whether err matches vaultly.ErrTransient.
func DefaultIsRetryable(err error) bool { return errors.Is(err, vaultly.ErrTransient) }

func (c *config) validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("retry: %w: "+format, append([]any{vaultly.ErrConfig}, args...)...))
	}
	if c.maxAttempts < 1 {
		bad("MaxAttempts is %d, want at least 1", c.maxAttempts)
	}
	if c.baseDelay < 0 {
		bad("BaseDelay is %s, want 0 or more", c.baseDelay)
	}
	if c.maxDelay < 0 {
		bad("MaxDelay is %s, want 0 or more", c.maxDelay)
	}
	if c.maxDelay < c.baseDelay {
		bad("MaxDelay %s is less than BaseDelay %s", c.maxDelay, c.baseDelay)
	}
	if c.totalTimeout <= 0 {
		bad("TotalTimeout is %s, want more than 0", c.totalTimeout)
	}
	for _, option := range c.nilFuncs {
		bad("%s: nil function", option)
	}
	return errors.Join(errs...)
}

func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
