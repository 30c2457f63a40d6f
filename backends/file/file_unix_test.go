//go:build unix

package file_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

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

// TestNotRegularFileRefused: Get opens without blocking and then checks
// what it opened, so what is not a regular file (a FIFO, also one swapped
// in just before the open or reached through a symlink, a socket, a
// device) is vaultly.ErrConfig naming the path, returned at once, well
// within the context's deadline; a name too long for the filesystem is
// vaultly.ErrConfig too, not transient. A directory holds no secret: it is
// not found (as the conformance suite requires of the parent of secrets).
func TestNotRegularFileRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// setup makes the file at dir/x, or says why it cannot; it may
		// return a function to call just before Get opens the file.
		setup func(t *testing.T, dir string) (beforeOpen func(string), skip string)
		path  string
		kind  error  // vaultly.ErrConfig unless set
		want  string // the error, or how it starts
	}{
		{
			name: "FIFO",
			setup: func(t *testing.T, dir string) (func(string), string) {
				return nil, mkfifo(filepath.Join(dir, "x"))
			},
			want: "file: /x: configuration error: not a regular file (named pipe)",
		},
		{
			name: "FIFO swapped in before the open",
			setup: func(t *testing.T, dir string) (func(string), string) {
				p := filepath.Join(dir, "x")
				if err := os.WriteFile(p, []byte("v"), 0o600); err != nil {
					t.Fatal(err)
				}
				return func(string) {
					if err := os.Remove(p); err != nil {
						t.Error(err)
					}
					if skip := mkfifo(p); skip != "" {
						t.Error(skip)
					}
				}, ""
			},
			want: "file: /x: configuration error: not a regular file (named pipe)",
		},
		{
			name: "FIFO through a symlink",
			setup: func(t *testing.T, dir string) (func(string), string) {
				if err := os.Symlink("pipe", filepath.Join(dir, "x")); err != nil {
					return nil, "symlink: " + err.Error()
				}
				return nil, mkfifo(filepath.Join(dir, "pipe"))
			},
			want: "file: /x: configuration error: not a regular file (named pipe)",
		},
		{
			name: "socket",
			setup: func(t *testing.T, dir string) (func(string), string) {
				l, err := net.Listen("unix", filepath.Join(dir, "x"))
				if err != nil {
					return nil, "listen: " + err.Error()
				}
				t.Cleanup(func() { _ = l.Close() })
				return nil, ""
			},
			want: "file: /x: configuration error: not a regular file (socket)",
		},
		{
			name: "device",
			setup: func(t *testing.T, dir string) (func(string), string) {
				return nil, mknodNull(filepath.Join(dir, "x"))
			},
			want: "file: /x: configuration error: not a regular file (device)",
		},
		{
			name: "directory",
			setup: func(t *testing.T, dir string) (func(string), string) {
				if err := os.Mkdir(filepath.Join(dir, "x"), 0o700); err != nil {
					t.Fatal(err)
				}
				return nil, ""
			},
			kind: vaultly.ErrNotFound,
			want: "file: /x: secret not found: is a directory",
		},
		{
			name: "name too long",
			setup: func(t *testing.T, dir string) (func(string), string) {
				return nil, ""
			},
			path: "/" + strings.Repeat("n", 300),
			want: "file: /" + strings.Repeat("n", 300) + ": configuration error: name too long for the filesystem: ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			beforeOpen, skip := tt.setup(t, dir)
			if skip != "" {
				t.Skip(skip)
			}
			b, err := file.New(dir)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = b.Close() })
			if beforeOpen != nil {
				file.SetBeforeOpen(b, beforeOpen)
			}
			path := tt.path
			if path == "" {
				path = "/x"
			}
			ctx := withUnblock(t, filepath.Join(dir, "x"))
			got, err := b.Get(ctx, vaultly.Ref{Path: path})
			kind := tt.kind
			if kind == nil {
				kind = vaultly.ErrConfig
			}
			if got != "" || !errors.Is(err, kind) || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("Get(%s) = %q, %v; want %q...", path, got, err, tt.want)
			}
			if errors.Is(err, vaultly.ErrTransient) {
				t.Errorf("Get(%s) error %v is also transient", path, err)
			}
		})
	}
}

func mkfifo(p string) (skip string) {
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		return "mkfifo: " + err.Error()
	}
	return ""
}

// withUnblock returns a context with a deadline. Should a Get block in
// opening or reading the FIFO at fifo, when the deadline passes a writer
// opens and closes it, so that Get returns (with what it read) instead of
// hanging the test.
func withUnblock(t *testing.T, fifo string) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		// With no reader waiting, this fails (ENXIO), and that is fine.
		if fd, err := syscall.Open(fifo, syscall.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			_ = syscall.Close(fd)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return ctx
}
