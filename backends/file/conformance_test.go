package file_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/backendtest"
	"github.com/vaultly/vaultly/backends/file"
)

// TestConformance runs the backend through the contract every backend
// keeps. A directory holds one value per path, so there are no versions,
// and the backend cannot batch. It lists prefixes by walking directories;
// it does not read keys (the core takes them).
func TestConformance(t *testing.T) {
	t.Parallel()
	const maxSize = 1 << 14 // above the suite's largest value (4,000 bytes)
	backendtest.Run(t, backendtest.Harness{
		New: func(t *testing.T, secrets []backendtest.Secret) vaultly.Backend {
			dir := t.TempDir()
			for _, s := range secrets {
				name := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(s.Path, "/")))
				if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
					t.Fatal(err)
				}
				// As echo writes it: Get trims exactly this one newline,
				// so a value that ends with its own newline keeps it.
				data := s.Latest() + "\n"
				if s.Fail {
					// Larger than the maximum: vaultly.ErrConfig, the
					// one failure a test running as root can cause.
					data = strings.Repeat(s.Latest(), maxSize/len(s.Latest())+1)
				}
				if err := os.WriteFile(name, []byte(data), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			b, err := file.New(dir, file.WithMaxSize(maxSize))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = b.Close() })
			return b
		},
		Failures: true,
		Prefixes: true,
	})
}
