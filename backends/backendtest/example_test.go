package backendtest_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/backends/backendtest"
)

// mapBackend is the smallest backend that passes the suite: a map from
// Ref to value, versions included, that honours its context.
type mapBackend map[vaultly.Ref]string

func (m mapBackend) Name() string { return "map" }

func (m mapBackend) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", backendkit.NewCanceledError("map", ref, err, nil)
	}
	v, ok := m[ref]
	if !ok {
		return "", backendkit.NewError("map", vaultly.ErrNotFound, ref, nil)
	}
	return v, nil
}

// This is the test a backend's author writes, in a _test.go file of the
// backend's package: a harness that seeds the secrets, and Run.
func Example() {
	TestConformance := func(t *testing.T) {
		backendtest.Run(t, backendtest.Harness{
			New: func(t *testing.T, secrets []backendtest.Secret) vaultly.Backend {
				m := mapBackend{}
				for _, s := range secrets {
					m[vaultly.Ref{Path: s.Path}] = s.Latest()
					for i, v := range s.Versions {
						m[vaultly.Ref{Path: s.Path, Version: strconv.Itoa(i + 1)}] = v
					}
				}
				return m
			},
			Versions: true,
		})
	}
	_ = TestConformance
}

func TestExample(t *testing.T) {
	t.Parallel()
	backendtest.Run(t, backendtest.Harness{
		New: func(t *testing.T, secrets []backendtest.Secret) vaultly.Backend {
			m := mapBackend{}
			for _, s := range secrets {
				m[vaultly.Ref{Path: s.Path}] = s.Latest()
				for i, v := range s.Versions {
					m[vaultly.Ref{Path: s.Path, Version: strconv.Itoa(i + 1)}] = v
				}
			}
			return m
		},
		Versions: true,
	})
}
