package vaultly_test

import (
	"time"

	"github.com/vaultly/vaultly/backends/mock"
)

// newClock is the injectable clock of these tests: they move time instead
// of sleeping.
func newClock() *mock.Clock {
	return mock.NewClock(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
}
