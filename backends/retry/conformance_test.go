package retry_test

import (
	"context"
	"testing"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/backendtest"
	"github.com/vaultly/vaultly/backends/chain"
	"github.com/vaultly/vaultly/backends/mock"
	"github.com/vaultly/vaultly/backends/retry"
)

// TestConformance runs the wrapper, over a mock that batches, one that does
// not, one that takes every liberty the batch contract allows, and a chain
// (which reads keys), through the contract every backend keeps.
func TestConformance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		plain  bool
		quirky bool // the inner answers batches with backendtest.Quirky's liberties
		chain  bool // the inner is a chain of the mock: it reads keys
	}{
		{name: "batching inner"},
		{name: "plain inner", plain: true},
		{name: "quirky batching inner", quirky: true},
		{name: "chain inner", chain: true},
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
				case tt.chain:
					c, err := chain.New([]vaultly.Backend{m})
					if err != nil {
						t.Fatal(err)
					}
					inner = c
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
				// GetPrefix and ReadsKeys are the inner backend's: the mock
				// lists (Plain and Quirky hide it), a chain reads keys.
				Prefixes: !tt.plain && !tt.quirky,
				Keys:     tt.chain,
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
