//go:build unix

package file_test

import (
	"context"
	"errors"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/file"
)

// A FIFO must be refused without opening it, which would block.
func TestFIFORefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	b, err := file.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.Get(context.Background(), vaultly.Ref{Path: "/pipe"}); !errors.Is(err, vaultly.ErrConfig) {
		t.Errorf("Get(/pipe) = %v, want ErrConfig", err)
	}
}
