package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
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

	// Fingerprints are keyed per process, so compare them with each other:
	// the cached read shows the first value, Refresh a different one.
	first := fingerprintAfter(t, got, "DB.Password Get:")
	cached := fingerprintAfter(t, got, "Get after rotation (cached, ttl=5m):")
	refreshed := fingerprintAfter(t, got, "Refresh (the rotated value):")
	if want := fingerprint(strings.TrimSuffix(before["prod/db/password"], "\n")); first != want {
		t.Errorf("first fingerprint %q, want that of testdata's password %q", first, want)
	}
	if first != cached {
		t.Errorf("cached read fingerprint %q, want the first one %q", cached, first)
	}
	if refreshed == first {
		t.Errorf("Refresh fingerprint %q equals the one before rotation", refreshed)
	}
	if want := fingerprint(rotatedPassword); refreshed != want {
		t.Errorf("Refresh fingerprint %q, want that of the rotated password %q", refreshed, want)
	}
	for _, want := range []string{
		"rotated /prod/db/password on disk",
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

// fingerprintAfter returns what follows label on its line of out.
func fingerprintAfter(t *testing.T, out, label string) string {
	t.Helper()
	for line := range strings.Lines(out) {
		if rest, ok := strings.CutPrefix(line, label); ok {
			return strings.TrimSpace(rest)
		}
	}
	t.Fatalf("output has no line %q\noutput:\n%s", label, out)
	return ""
}

func TestFingerprint(t *testing.T) {
	t.Parallel()
	const pw = "hunter2"
	got := fingerprint(pw)
	if !regexp.MustCompile(`^len=7 hmac:[0-9a-f]{8}…$`).MatchString(got) {
		t.Errorf("fingerprint = %q, want len=7 hmac:<8 hex digits>…", got)
	}
	if again := fingerprint(pw); again != got {
		t.Errorf("fingerprint not stable within a run: %q then %q", got, again)
	}
	if other := fingerprint("hunter3"); other == got {
		t.Errorf("two values share the fingerprint %q", got)
	}
	// Keyed: the unkeyed SHA-256 prefix, which anyone can compute from a
	// guess, does not appear.
	sum := sha256.Sum256([]byte(pw))
	if plain := hex.EncodeToString(sum[:4]); strings.Contains(got, plain) {
		t.Errorf("fingerprint %q holds the unkeyed SHA-256 prefix %q", got, plain)
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
