//go:build unix

package vault_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/vault"
)

// A credential file that is a FIFO (a process substitution, /dev/fd/N)
// with no writer does not hang the login, which would hold every later
// login of the backend behind it: it is read as empty. What a writer left
// in it is read.
func TestCredentialFileFIFO(t *testing.T) {
	t.Parallel()
	srv := loginServer(t)
	fifo := filepath.Join(t.TempDir(), "token")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	m, err := vault.TokenFile(fifo)
	if err != nil {
		t.Fatal(err)
	}
	b := loginBackend(t, srv, m)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = b.Get(ctx, vaultly.Ref{Path: "app/db:password"})
	if !errors.Is(err, vaultly.ErrAuth) || !strings.Contains(err.Error(), "is empty") {
		t.Errorf("FIFO without a writer: Get = %v; want ErrAuth saying the file is empty", err)
	}

	// As a process substitution leaves it: the token in the pipe, the
	// writer gone. r keeps the pipe, and so what was written, alive.
	r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteString(srv.IssueToken() + "\n"); err != nil {
		t.Fatal(err)
	}
	w.Close()
	ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if v, err := b.Get(ctx, vaultly.Ref{Path: "app/db:password"}); err != nil || v != "pw" {
		t.Errorf("FIFO with a writer: Get = %q, %v; want pw", v, err)
	}
}
