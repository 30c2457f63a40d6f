package chain_test

import (
	"context"
	"testing"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/backendtest"
	"github.com/vaultly/vaultly/backends/chain"
	"github.com/vaultly/vaultly/backends/mock"
)

// TestConformance runs chains of two mocks through the contract every
// backend keeps: the secrets split between the members (so that half of
// them are found after a fall-through), the same with a first member that
// cannot batch and with members that take every liberty the batch contract
// allows, and an empty first member in front of one holding all.
func TestConformance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		split      bool // alternate secrets between the members; else all in the second
		plainFirst bool // the first member cannot batch
		quirky     bool // the members answer batches with backendtest.Quirky's liberties
	}{
		{name: "split", split: true},
		{name: "split, plain first member", split: true, plainFirst: true},
		{name: "split, quirky members", split: true, quirky: true},
		{name: "empty first member"},
		{name: "empty quirky first member", quirky: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			members := func(secrets []backendtest.Secret) (first, second *mock.Backend) {
				var a, b []backendtest.Secret
				for i, s := range secrets {
					if tt.split && i%2 == 0 {
						a = append(a, s)
					} else {
						b = append(b, s)
					}
				}
				return backendtest.NewMock(a), backendtest.NewMock(b)
			}
			build := func(t *testing.T, first, second *mock.Backend) vaultly.Backend {
				var m1, m2 vaultly.Backend = first, second
				switch {
				case tt.plainFirst:
					m1 = first.Plain()
				case tt.quirky:
					m1, m2 = backendtest.Quirky(first), backendtest.Quirky(second)
				}
				c, err := chain.New([]vaultly.Backend{m1, m2})
				if err != nil {
					t.Fatal(err)
				}
				return c
			}
			backendtest.Run(t, backendtest.Harness{
				New: func(t *testing.T, secrets []backendtest.Secret) vaultly.Backend {
					first, second := members(secrets)
					return build(t, first, second)
				},
				Versions: true,
				Failures: true,
				// The chain reads keys whatever its members are; it lists
				// when every member that holds secrets can.
				Keys:     true,
				Prefixes: !tt.plainFirst && !tt.quirky,
				NewSlow: func(t *testing.T, secrets []backendtest.Secret) (vaultly.Backend, func(context.Context, int) error) {
					first, second := members(secrets)
					t.Cleanup(first.Hold(""))
					// One call at a time: the n-th has arrived when one is
					// parked in the first member.
					return build(t, first, second), func(ctx context.Context, n int) error { return first.AwaitWaiting(ctx, 1) }
				},
			})
		})
	}
}
