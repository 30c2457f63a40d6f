package file_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/file"
)

// tree writes files (paths below base, "/"-separated) and symlinks, and
// returns base/secrets. base/outside is beside it.
func tree(t *testing.T, files, links map[string]string) string {
	t.Helper()
	base := t.TempDir()
	for name, content := range files {
		p := filepath.Join(base, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for name, target := range links {
		p := filepath.Join(base, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(strings.ReplaceAll(target, "BASE", base), p); err != nil {
			t.Skipf("symlinks not available: %v", err)
		}
	}
	return filepath.Join(base, "secrets")
}

func TestGetPrefix(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"secrets/app/flags/a":       "1\n",
		"secrets/app/flags/b/c":     "2\r\n",
		"secrets/app/flags/b/d/e":   "",
		"secrets/app/flags/.hidden": "no",
		"secrets/app/flags/.git/x":  "no",
		"secrets/app/flagsx":        "no",
		"secrets/app/plain":         "a file",
		"secrets/other/z":           "elsewhere",
		"secrets/shared/s":          "shared",
		"outside/secret":            "outside",
		// A Kubernetes secret volume: the files live in a timestamped
		// directory behind ..data, and each key is a symlink to it.
		"secrets/k8s/..2024_01_01/user":     "app\n",
		"secrets/k8s/..2024_01_01/password": "pw",
	}
	links := map[string]string{
		"secrets/k8s/..data":        "..2024_01_01",
		"secrets/k8s/user":          "..data/user",
		"secrets/k8s/password":      "..data/password",
		"secrets/app/linked/dir":    "../../shared",     // a directory inside
		"secrets/app/linked/file":   "../../other/z",    // a file inside
		"secrets/app/linked/gone":   "does-not-exist",   // dangling: left out
		"secrets/out/rel/secret":    "../../../outside", // a directory outside
		"secrets/out/abs/secret":    "BASE/outside/secret",
		"secrets/out/file/secret":   "../../../outside/secret",
		"secrets/loop/self/again":   ".",
		"secrets/loop/cycle/a/up":   "../..",
		"secrets/loopfile/x/itself": "itself",
	}
	dir := tree(t, files, links)
	b, err := file.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	tests := []struct {
		prefix string
		want   map[string]string
		kind   string
		err    string
	}{
		{prefix: "/app/flags/", want: map[string]string{"a": "1", "b/c": "2", "b/d/e": ""}},
		{prefix: "app/flags/b/", want: map[string]string{"c": "2", "d/e": ""}},
		{prefix: "/k8s/", want: map[string]string{"user": "app", "password": "pw"}},
		{prefix: "/app/linked/", want: map[string]string{"dir/s": "shared", "file": "elsewhere"}},
		{prefix: "/app/none/", want: map[string]string{}},
		{prefix: "/app/plain/", want: map[string]string{}},
		{prefix: "/app/plain/below/", want: map[string]string{}},
		{prefix: "/out/rel/", kind: "config", err: "file: /out/rel/: configuration error: secret: path would leave the directory (symlink to outside)"},
		{prefix: "/out/abs/", kind: "config", err: "file: /out/abs/: configuration error: secret: path would leave the directory (symlink to outside)"},
		{prefix: "/out/file/", kind: "config", err: "file: /out/file/: configuration error: secret: path would leave the directory (symlink to outside)"},
		// os.Root stops following the links of a loop before maxDepth does.
		{prefix: "/loop/self/", kind: "config", err: "file: /loop/self/: configuration error: again/again/again/"},
		{prefix: "/loop/cycle/", kind: "config", err: "file: /loop/cycle/: configuration error: a/up/cycle/a/up/"},
		{prefix: "/loopfile/x/", kind: "config", err: "file: /loopfile/x/: configuration error: itself: too many levels of symbolic links"},
		{prefix: "/app/flags", kind: "config", err: `file: /app/flags: configuration error: prefix does not end in "/"`},
		{prefix: "/app/../out/", kind: "config", err: `file: /app/../out/: configuration error: path would leave the directory (".." component)`},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			t.Parallel()
			got, err := b.GetPrefix(context.Background(), tt.prefix, 1000)
			if tt.kind != "" {
				if vaultly.KindOf(err) != tt.kind || !strings.Contains(err.Error(), tt.err) || got != nil {
					t.Errorf("GetPrefix = %v, %v; want a %s error containing %q", got, err, tt.kind, tt.err)
				}
				if err != nil && strings.Contains(err.Error(), "outside") && !strings.Contains(tt.err, "outside") {
					t.Errorf("error %q quotes a value", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("GetPrefix = %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("GetPrefix(%q) (-want +got):\n%s", tt.prefix, diff)
			}
			for k, v := range got { // every key reads back with Get
				if gv, err := b.Get(context.Background(), vaultly.Ref{Path: tt.prefix + k}); gv != v || err != nil {
					t.Errorf("Get(%q) = %q, %v; want %q", tt.prefix+k, gv, err, v)
				}
			}
		})
	}
}

// The whole directory refuses the links that leave it: the root lists
// everything, so it meets them.
func TestGetPrefixRootMeetsEscape(t *testing.T) {
	t.Parallel()
	dir := tree(t, map[string]string{"secrets/a": "1", "outside/s": "out-value"},
		map[string]string{"secrets/z": "../outside/s"})
	b, err := file.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got, err := b.GetPrefix(context.Background(), "/", 100)
	if !errors.Is(err, vaultly.ErrConfig) || got != nil || strings.Contains(err.Error(), "out-value") {
		t.Errorf("GetPrefix(/) = %v, %v; want ErrConfig naming z", got, err)
	}
	if want := "file: /: configuration error: z: path would leave the directory (symlink to outside)"; err != nil && !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want it to start with %q", err, want)
	}
}

func TestGetPrefixMaxAndSize(t *testing.T) {
	t.Parallel()
	dir := tree(t, map[string]string{
		"secrets/p/a": "a", "secrets/p/b": "b", "secrets/p/c/d": "d", "secrets/p/e": "e",
		"secrets/big/x": strings.Repeat("x", 100),
	}, nil)
	b, err := file.New(dir, file.WithMaxSize(10))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for max := range 5 {
		got, err := b.GetPrefix(context.Background(), "/p/", max)
		// Name order: a, b, c/d, e.
		want := map[string]string{"a": "a", "b": "b", "c/d": "d", "e": "e"}
		for _, k := range []string{"e", "c/d", "b", "a"}[:4-min(max+1, 4)] {
			delete(want, k)
		}
		if diff := cmp.Diff(want, got); diff != "" || err != nil {
			t.Errorf("GetPrefix(max %d) = %v; (-want +got):\n%s", max, err, diff)
		}
	}
	_, err = b.GetPrefix(context.Background(), "/big/", 10)
	if want := "file: /big/: configuration error: x: file larger than 10 bytes"; !errors.Is(err, vaultly.ErrConfig) || err.Error() != want {
		t.Errorf("GetPrefix(/big/) = %v; want %q", err, want)
	}
}

func TestGetPrefixCanceledAndClosed(t *testing.T) {
	t.Parallel()
	dir := tree(t, map[string]string{"secrets/p/a": "a"}, nil)
	b, err := file.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.GetPrefix(ctx, "/p/", 10); !errors.Is(err, context.Canceled) || vaultly.KindOf(err) != "canceled" {
		t.Errorf("canceled: %v; want a cancellation", err)
	}
	_ = b.Close()
	if _, err := b.GetPrefix(context.Background(), "/p/", 10); !errors.Is(err, vaultly.ErrConfig) {
		t.Errorf("closed: %v; want ErrConfig", err)
	}
	if _, err := (&file.Backend{}).GetPrefix(context.Background(), "/p/", 10); !errors.Is(err, vaultly.ErrConfig) {
		t.Errorf("zero Backend: %v; want ErrConfig", err)
	}
}

// Directories nested deeper than the bound end the walk with ErrConfig.
func TestGetPrefixDepth(t *testing.T) {
	t.Parallel()
	deep := "secrets/p/" + strings.Repeat("d/", 65) + "x"
	dir := tree(t, map[string]string{deep: "x", "secrets/q/" + strings.Repeat("d/", 64) + "x": "x"}, nil)
	b, err := file.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	_, err = b.GetPrefix(context.Background(), "/p/", 10)
	if !errors.Is(err, vaultly.ErrConfig) || !strings.HasSuffix(err.Error(), "directories nested deeper than 64 (a loop of symlinks?)") {
		t.Errorf("65 levels: GetPrefix = %v; want ErrConfig naming the bound", err)
	}
	got, err := b.GetPrefix(context.Background(), "/q/", 10)
	if err != nil || len(got) != 1 {
		t.Errorf("64 levels: GetPrefix = %v, %v; want the one file", got, err)
	}
}

// Symlinks to ancestor directories make loops, two of them in one
// directory a walk with 2^n branches: GetPrefix ends at the first one that
// goes too deep, with ErrConfig.
func TestGetPrefixSymlinkLoops(t *testing.T) {
	t.Parallel()
	dir := tree(t, map[string]string{"secrets/p/a/f": "v"}, map[string]string{
		"secrets/p/a/x": "..",
		"secrets/p/a/y": "../a",
		"secrets/p/z":   ".",
	})
	b, err := file.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	got, err := b.GetPrefix(ctx, "/p/", 10000)
	if !errors.Is(err, vaultly.ErrConfig) || len(got) != 0 {
		t.Errorf("GetPrefix = %d entries, %v; want ErrConfig", len(got), err)
	}
}
