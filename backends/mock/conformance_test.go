package mock_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/backendtest"
	"github.com/vaultly/vaultly/backends/mock"
)

// newConformanceMock seeds a mock the way the suite asks: the latest value
// as the current one, every value as its version, and Fail as ErrAuth.
func newConformanceMock(secrets []backendtest.Secret, opts ...mock.Option) *mock.Backend {
	current := make(map[string]string, len(secrets))
	versions := make(map[vaultly.Ref]string)
	for _, s := range secrets {
		current[s.Path] = s.Latest()
		for i, v := range s.Versions {
			versions[vaultly.Ref{Path: s.Path, Version: strconv.Itoa(i + 1)}] = v
		}
	}
	b := mock.New(current, append([]mock.Option{mock.WithVersions(versions)}, opts...)...)
	for _, s := range secrets {
		if s.Fail {
			b.Fail(s.Path, vaultly.ErrAuth)
		}
	}
	return b
}

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
			return view(newConformanceMock(secrets))
		},
		Versions: true,
		Failures: true,
		NewSlow: func(t *testing.T, secrets []backendtest.Secret) (vaultly.Backend, func(context.Context, int) error) {
			b := newConformanceMock(secrets)
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
