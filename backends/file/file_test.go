package file_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/backends/file"
)

// setup builds a secrets directory and a sibling "outside" directory.
func setup(t *testing.T) (dir, outside string) {
	t.Helper()
	base := t.TempDir()
	dir = filepath.Join(base, "secrets")
	outside = filepath.Join(base, "outside")
	files := map[string]string{
		"secrets/db/prod/password": "hunter2\n",
		"secrets/crlf":             "v\r\n",
		"secrets/two-newlines":     "v\n\n",
		"secrets/no-newline":       "v",
		"secrets/cr-only":          "v\r",
		"secrets/empty":            "",
		"secrets/only-newline":     "\n",
		"secrets/multi":            "line1\nline2\n",
		"outside/secret":           "outside-value\n",
	}
	for name, content := range files {
		p := filepath.Join(base, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{
		"link-in":      "db/prod/password",                            // relative, inside
		"link-in-abs":  filepath.Join(dir, "no-newline"),              // absolute, inside
		"link-out":     filepath.Join(outside, "secret"),              // absolute, outside
		"link-out-rel": "../outside/secret",                           // relative, outside
		"link-outdir":  outside,                                       // a directory outside
		"loop":         "loop",                                        // a loop
		"dangling":     "does-not-exist",                              // nothing there
		"db/up":        "../../outside/secret",                        // escapes from a subdirectory
		"db/sibling":   "prod/password",                               // inside, from a subdirectory
		"link-escape2": filepath.Join(dir, "..", "outside", "secret"), // absolute, via ..
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			t.Skipf("symlinks not available: %v", err)
		}
	}
	return dir, outside
}

func TestGet(t *testing.T) {
	t.Parallel()
	dir, _ := setup(t)
	b, err := file.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() }) // after the parallel subtests
	tests := []struct {
		path    string
		version string
		want    string
		wantErr error
		msg     string // substring of the error
	}{
		{path: "/db/prod/password", want: "hunter2"},
		{path: "db/prod/password", want: "hunter2"},
		{path: "//db/prod/password", want: "hunter2"},
		{path: "/db/prod/password", version: "3", want: "hunter2"}, // versions ignored
		{path: "/crlf", want: "v"},
		{path: "/two-newlines", want: "v\n"},
		{path: "/no-newline", want: "v"},
		{path: "/cr-only", want: "v\r"},
		{path: "/empty", want: ""},
		{path: "/only-newline", want: ""},
		{path: "/multi", want: "line1\nline2"},
		{path: "/link-in", want: "hunter2"},
		{path: "/db/sibling", want: "hunter2"},

		{path: "/missing", wantErr: vaultly.ErrNotFound, msg: "file: /missing: secret not found"},
		{path: "/db/prod/password/x", wantErr: vaultly.ErrNotFound},
		{path: "/dangling", wantErr: vaultly.ErrNotFound},
		{path: "/sub", wantErr: vaultly.ErrNotFound, msg: "file: /sub: secret not found: is a directory"},
		{path: "/db/prod/", wantErr: vaultly.ErrNotFound, msg: "is a directory"},

		{path: "../etc/passwd", wantErr: vaultly.ErrConfig, msg: `file: ../etc/passwd: configuration error: path would leave the directory`},
		{path: "/../../x", wantErr: vaultly.ErrConfig, msg: `/../../x: configuration error: path would leave the directory`},
		{path: "/db/../db/prod/password", wantErr: vaultly.ErrConfig, msg: `".." component`},
		{path: "/db/..", wantErr: vaultly.ErrConfig},
		{path: "/link-out", wantErr: vaultly.ErrConfig, msg: "file: /link-out: configuration error: path would leave the directory (symlink to outside)"},
		{path: "/link-out-rel", wantErr: vaultly.ErrConfig, msg: "symlink to outside"},
		{path: "/link-outdir/secret", wantErr: vaultly.ErrConfig, msg: "symlink to outside"},
		{path: "/db/up", wantErr: vaultly.ErrConfig, msg: "symlink to outside"},
		{path: "/link-escape2", wantErr: vaultly.ErrConfig, msg: "symlink to outside"},
		{path: "/link-in-abs", wantErr: vaultly.ErrConfig, msg: "path would leave the directory"},
		{path: "/loop", wantErr: vaultly.ErrConfig, msg: "symbolic links"},
		{path: "/", wantErr: vaultly.ErrConfig, msg: "path names no file"},
		{path: "", wantErr: vaultly.ErrConfig},
		{path: "/a\x00b", wantErr: vaultly.ErrConfig, msg: "NUL"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			got, err := b.Get(context.Background(), vaultly.Ref{Path: tt.path, Version: tt.version})
			if got != tt.want || !errors.Is(err, tt.wantErr) {
				t.Fatalf("Get(%q) = %q, %v; want %q, %v", tt.path, got, err, tt.want, tt.wantErr)
			}
			if err == nil {
				return
			}
			if got := vaultly.KindOf(err); got == "transient" || got == "unknown" {
				t.Errorf("error kind = %s", got)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
			for _, secret := range []string{"hunter2", "outside-value"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error contains a value: %v", err)
				}
			}
		})
	}
}

func TestRotation(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "token")
	b, err := file.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ref := vaultly.Ref{Path: "/token"}
	for _, v := range []string{"one", "two"} {
		if err := os.WriteFile(p, []byte(v+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if got, err := b.Get(context.Background(), ref); got != v || err != nil {
			t.Errorf("Get = %q, %v; want %q", got, err, v)
		}
	}
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get(context.Background(), ref); !errors.Is(err, vaultly.ErrNotFound) {
		t.Errorf("Get after remove = %v, want ErrNotFound", err)
	}
}

func TestMaxSize(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, size := range map[string]int{"fits": 8, "fits-nl": 9, "big": 10} {
		data := strings.Repeat("x", size)
		if name == "fits-nl" {
			data = strings.Repeat("x", 8) + "\n"
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b, err := file.New(dir, file.WithMaxSize(9))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, tt := range []struct {
		path    string
		want    string
		wantErr error
	}{
		{"/fits", "xxxxxxxx", nil},
		{"/fits-nl", "xxxxxxxx", nil},
		{"/big", "", vaultly.ErrConfig},
	} {
		got, err := b.Get(context.Background(), vaultly.Ref{Path: tt.path})
		if got != tt.want || !errors.Is(err, tt.wantErr) {
			t.Errorf("Get(%s) = %q, %v; want %q, %v", tt.path, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := filepath.Join(dir, "plain-file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{filepath.Join(dir, "missing"), f, ""} {
		b, err := file.New(d)
		if b != nil || !errors.Is(err, vaultly.ErrConfig) {
			t.Errorf("New(%q) = %v, %v; want ErrConfig", d, b, err)
			continue
		}
		var pe *os.PathError
		if !errors.As(err, &pe) {
			t.Errorf("New(%q) error %v does not keep the os error", d, err)
		}
	}
}

// TestNewInvalidOption lists every invalid option value: New refuses it
// with an ErrConfig error naming the option, and opens nothing.
func TestNewInvalidOption(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name string
		opts []file.Option
		want string // the error
	}{
		{"zero WithMaxSize", []file.Option{file.WithMaxSize(0)}, "file: configuration error: WithMaxSize(0): want more than 0"},
		{"negative WithMaxSize", []file.Option{file.WithMaxSize(-1)}, "file: configuration error: WithMaxSize(-1): want more than 0"},
		{"a bad value after a good one", []file.Option{file.WithMaxSize(10), file.WithMaxSize(0)}, "file: configuration error: WithMaxSize(0): want more than 0"},
		{"every bad value", []file.Option{file.WithMaxSize(0), file.WithMaxSize(-2)},
			"file: configuration error: WithMaxSize(0): want more than 0; WithMaxSize(-2): want more than 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := file.New(dir, tt.opts...)
			if b != nil || !errors.Is(err, vaultly.ErrConfig) || err.Error() != tt.want {
				t.Errorf("New = %v, %v; want nil and %q", b, err, tt.want)
			}
		})
	}
}

func TestNilOptionIsIgnored(t *testing.T) {
	t.Parallel()
	b, err := file.New(t.TempDir(), nil, file.WithMaxSize(1))
	if err != nil {
		t.Fatal(err)
	}
	_ = b.Close()
}

func TestZeroValueDoesNotPanic(t *testing.T) {
	t.Parallel()
	b := &file.Backend{}
	_, err := b.Get(context.Background(), vaultly.Ref{Path: "/a"})
	got := []any{errors.Is(err, vaultly.ErrConfig), b.Name(), b.Close()}
	if diff := cmp.Diff([]any{true, "file", nil}, got); diff != "" {
		t.Errorf("Get is ErrConfig, Name, Close (-want +got):\n%s\nGet error: %v", diff, err)
	}
}

func TestContextAndClose(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a"), []byte("v"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := file.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = b.Get(ctx, vaultly.Ref{Path: "/a"})
	if !errors.Is(err, context.Canceled) || vaultly.KindOf(err) != "canceled" {
		t.Errorf("Get with canceled ctx = %v, want context.Canceled and no error kind", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get(context.Background(), vaultly.Ref{Path: "/a"}); !errors.Is(err, vaultly.ErrConfig) {
		t.Errorf("Get after Close = %v, want ErrConfig", err)
	}
}

func TestPermissionDenied(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("running as root: file modes are not enforced")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "locked")
	if err := os.WriteFile(p, []byte("v"), 0o000); err != nil {
		t.Fatal(err)
	}
	b, err := file.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	_, err = b.Get(context.Background(), vaultly.Ref{Path: "/locked"})
	if !errors.Is(err, vaultly.ErrAuth) || !errors.Is(err, os.ErrPermission) {
		t.Errorf("Get(/locked) = %v, want ErrAuth wrapping os.ErrPermission", err)
	}
}

func TestName(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b, err := file.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := "file(" + dir + ")"
	if got := b.Name(); got != want {
		t.Errorf("Name() = %q, want %q", got, want)
	}
	if got := backendkit.Name(b); got != want {
		t.Errorf("vaultly.BackendName = %q, want %q", got, want)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if got := b.Name(); got != want {
		t.Errorf("after Close, Name() = %q, want %q", got, want)
	}
}
