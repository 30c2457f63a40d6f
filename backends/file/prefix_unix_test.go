//go:build unix

package file_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/file"
)

// A FIFO below the prefix is refused, at once: listing never waits for a
// writer.
func TestGetPrefixFIFO(t *testing.T) {
	t.Parallel()
	dir := tree(t, map[string]string{"secrets/p/a": "a"}, nil)
	if skip := mkfifo(filepath.Join(dir, "p", "pipe")); skip != "" {
		t.Skip(skip)
	}
	b, err := file.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	_, err = b.GetPrefix(context.Background(), "/p/", 10)
	if want := "file: /p/: configuration error: pipe: not a regular file (named pipe)"; !errors.Is(err, vaultly.ErrConfig) || err.Error() != want {
		t.Errorf("GetPrefix = %v; want %q", err, want)
	}
}

// A directory the process may not read is ErrAuth, not an empty answer.
func TestGetPrefixPermission(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("root reads every directory")
	}
	dir := tree(t, map[string]string{"secrets/p/locked/a": "a"}, nil)
	if err := os.Chmod(filepath.Join(dir, "p", "locked"), 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(filepath.Join(dir, "p", "locked"), 0o755) })
	b, err := file.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.GetPrefix(context.Background(), "/p/", 10); !errors.Is(err, vaultly.ErrAuth) {
		t.Errorf("GetPrefix = %v; want ErrAuth", err)
	}
}
