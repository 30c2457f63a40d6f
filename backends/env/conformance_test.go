package env_test

import (
	"strings"
	"testing"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/backendtest"
	"github.com/vaultly/vaultly/backends/env"
)

// TestConformance runs the backend through the contract every backend
// keeps. The environment holds one value per name, so there are no
// versions. The backend batches (to see the Refs of one Load together),
// so the suite checks GetBatch too. It lists prefixes; it does not read
// keys (the core takes them).
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
			}), env.WithEnviron(func() []string {
				list := make([]string, 0, len(vars))
				for k, v := range vars {
					list = append(list, k+"="+v)
				}
				return list
			}))
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
		Prefixes: true,
		// GetPrefix keys a variable by the rest of its name in lower
		// case: the "/" of a nested path is a '_' there.
		PrefixKey: func(key string) string { return strings.ReplaceAll(key, "/", "_") },
	})
}
