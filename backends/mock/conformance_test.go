package mock_test

import (
	"context"
	"testing"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/backendtest"
	"github.com/vaultly/vaultly/backends/mock"
)

// conformanceHarness is the mock's harness, as a BatchBackend or, with
// plain, through Plain().
func conformanceHarness(plain bool) backendtest.Harness {
	view := func(b *mock.Backend) vaultly.Backend {
		if plain {
			return b.Plain()
		}
		return b
	}
	return backendtest.Harness{
		New: func(t *testing.T, secrets []backendtest.Secret) vaultly.Backend {
			return view(backendtest.NewMock(secrets))
		},
		Versions: true,
		Failures: true,
		Prefixes: !plain, // Plain() hides GetPrefix with GetBatch
		NewSlow: func(t *testing.T, secrets []backendtest.Secret) (vaultly.Backend, func(context.Context, int) error) {
			b := backendtest.NewMock(secrets)
			t.Cleanup(b.Hold(""))
			// The suite makes one call at a time, each ending before the
			// next, so the n-th call has arrived when one call is parked.
			return view(b), func(ctx context.Context, n int) error { return b.AwaitWaiting(ctx, 1) }
		},
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		plain bool
	}{
		{"batch", false},
		{"plain", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			backendtest.Run(t, conformanceHarness(tt.plain))
		})
	}
}
