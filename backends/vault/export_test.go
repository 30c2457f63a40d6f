package vault

// Clock is the lifecycle's time source, for tests that run a token's
// life in virtual time.
type Clock = clock

// WithClock sets the lifecycle's clock (tests only).
func WithClock(c Clock) Option {
	return func(cfg *config) error {
		cfg.clock = c
		return nil
	}
}
