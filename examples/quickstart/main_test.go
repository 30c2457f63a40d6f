package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const secretsDir = "../../testdata/secrets"

// TestRun runs the demo against the repository's testdata and checks that
// it shows the rotation, masks every secret, and leaves testdata alone.
func TestRun(t *testing.T) {
	t.Parallel()
	before := snapshot(t)
	var out bytes.Buffer
	if err := run(t.Context(), secretsDir, &out); err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out.String())
	}
	got := out.String()

	oldFP := fingerprint(strings.TrimSuffix(before["prod/db/password"], "\n"))
	newFP := fingerprint(rotatedPassword)
	for _, want := range []string{
		"DB.Password Get:                   " + oldFP,
		"rotated /prod/db/password on disk",
		"Get after rotation (cached, ttl=5m): " + oldFP,
		"Refresh (the rotated value):       " + newFP,
		"PoolSize int, Timeout time.Duration, Flags map[string]bool with 3 entries",
		`msg="config loaded"`,
		"config.DB.Password=***",
		"DB:{Host:db.internal User:*** Password:*** PoolSize:***}",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q\noutput:\n%s", want, got)
		}
	}

	// No secret text may appear: every file's value (trimmed, and each
	// JSON key of the flags), and the rotated password.
	leaks := []string{rotatedPassword, "new_checkout", "dark_mode", "beta_search"}
	for _, v := range before {
		leaks = append(leaks, strings.TrimSpace(v))
	}
	for _, v := range leaks {
		// Values shorter than 4 bytes ("20") could appear by chance.
		if len(v) >= 4 && strings.Contains(got, v) {
			t.Errorf("output contains the secret value %q\noutput:\n%s", v, got)
		}
	}
	// Six secret-tagged fields, masked in the printed line and the log line.
	if n := strings.Count(got, "***"); n != 12 {
		t.Errorf("%d masks in the output, want 12:\n%s", n, got)
	}

	if diff := cmp.Diff(before, snapshot(t)); diff != "" {
		t.Errorf("run modified testdata/secrets (-before +after):\n%s", diff)
	}
}

func TestRunMissingDir(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := run(t.Context(), filepath.Join(t.TempDir(), "nope"), &out)
	if err == nil || !strings.Contains(err.Error(), "pass -dir") {
		t.Errorf("err = %v, want a hint about -dir", err)
	}
}

// snapshot reads every file under testdata/secrets, by slash path.
func snapshot(t *testing.T) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := fs.WalkDir(os.DirFS(secretsDir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(filepath.Join(secretsDir, filepath.FromSlash(p)))
		files[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
