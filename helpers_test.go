package vaultly_test

import (
	"testing"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

// newClock is the injectable clock of these tests: they move time instead
// of sleeping.
func newClock() *mock.Clock {
	return mock.NewClock(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
}

// mustLoader is vaultly.New for tests: an error fails the test.
func mustLoader(t testing.TB, b vaultly.Backend, opts ...vaultly.Option) *vaultly.Loader {
	t.Helper()
	l, err := vaultly.New(b, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
