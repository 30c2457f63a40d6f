package env_test

import (
	"testing"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/backendtest"
	"github.com/vaultly/vaultly/backends/env"
)

// TestConformance runs the backend through the contract every backend
// keeps. The environment holds one value per name, so there are no
// versions. The backend batches (to see the Refs of one Load together),
// so the suite checks GetBatch too.
func TestConformance(t *testing.T) {
	t.Parallel()
	backendtest.Run(t, backendtest.Harness{
		New: func(t *testing.T, secrets []backendtest.Secret) vaultly.Backend {
			vars := make(map[string]string, len(secrets))
			for _, s := range secrets {
				vars[env.Key("VAULTLY_CT", s.Path)] = s.Latest()
			}
			b, err := env.New(env.WithPrefix("VAULTLY_CT"), env.WithLookup(func(name string) (string, bool) {
				v, ok := vars[name]
				return v, ok
			}))
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
	})
}
