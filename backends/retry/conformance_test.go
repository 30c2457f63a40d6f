package retry_test

import (
	"context"
	"testing"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/backendtest"
	"github.com/vaultly/vaultly/backends/mock"
	"github.com/vaultly/vaultly/backends/retry"
)

// TestConformance runs the wrapper, over a mock that batches, one that does
// not, and one that takes every liberty the batch contract allows, through
// the contract every backend keeps.
func TestConformance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		plain  bool
		quirky bool // the inner answers batches with backendtest.Quirky's liberties
	}{
		{name: "batching inner"},
		{name: "plain inner", plain: true},
		{name: "quirky batching inner", quirky: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wrap := func(t *testing.T, m *mock.Backend) vaultly.Backend {
				var inner vaultly.Backend = m
				switch {
				case tt.plain:
					inner = m.Plain()
				case tt.quirky:
					inner = backendtest.Quirky(m)
				}
				b, err := retry.New(inner)
				if err != nil {
					t.Fatal(err)
				}
				if _, batches := b.(vaultly.BatchBackend); batches == tt.plain {
					t.Fatalf("retry.New returned a %T over a %T", b, inner)
				}
				return b
			}
			backendtest.Run(t, backendtest.Harness{
				New: func(t *testing.T, secrets []backendtest.Secret) vaultly.Backend {
					return wrap(t, backendtest.NewMock(secrets))
				},
				Versions: true,
				Failures: true,
				NewSlow: func(t *testing.T, secrets []backendtest.Secret) (vaultly.Backend, func(context.Context, int) error) {
					m := backendtest.NewMock(secrets)
					t.Cleanup(m.Hold(""))
					// One call at a time: the n-th has arrived when one is parked.
					return wrap(t, m), func(ctx context.Context, n int) error { return m.AwaitWaiting(ctx, 1) }
				},
			})
		})
	}
}
