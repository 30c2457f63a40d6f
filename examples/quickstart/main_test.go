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

// TestRun runs the demo against the repository's testdata and checks what
// it prints: every loaded field with the file it came from, public values
// shown, secrets masked with their length and fingerprint, the rotation,
// and the not-found error; and that it leaves testdata alone.
func TestRun(t *testing.T) {
	t.Parallel()
	before := snapshot(t)
	var out bytes.Buffer
	if err := run(t.Context(), secretsDir, &out); err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out.String())
	}
	got := out.String()
	value := func(file string) string { return strings.TrimSpace(before[file]) }

	// The table of loaded fields: each line names the field, shows the value
	// (or *** with length and fingerprint) and says where it came from.
	from := "from " + secretsDir + "/prod/"
	for _, want := range []string{
		`Stage +prod +plain field, set in code`,
		`DB\.Host +db\.internal +plain field, set in code`,
		`DB\.User +` + regexp.QuoteMeta(masked(value("prod/db/user"))) + ` +` + from + `db/user`,
		`DB\.Password +` + regexp.QuoteMeta(masked(value("prod/db/password"))) + ` +` + from + `db/password \(Secret`,
		`DB\.PoolSize +20 +` + from + `db/pool_size \(public\)`,
		`HTTP\.Addr +:8080 +plain field`,
		`HTTP\.Timeout +7s +` + from + `http/timeout \(public\)`,
		`Flags +\*\*\* \(map\[string\]bool, 3 entries\) +` + from + `feature_flags`,
		`APIKey +` + regexp.QuoteMeta(masked(value("prod/api/key"))) + ` +` + from + `api/key`,
	} {
		if !regexp.MustCompile(`(?m)^  ` + want).MatchString(got) {
			t.Errorf("output has no line matching %q\noutput:\n%s", want, got)
		}
	}
	if want := "*** (18 bytes, fingerprint "; !strings.Contains(got, want) {
		t.Errorf("output lacks %q", want)
	}

	// Fingerprints are keyed per process, so compare them with each other:
	// the cached read shows the first value, Refresh a different one.
	first := after(t, got, "DB.Password Get:")
	cached := after(t, got, "Get after rotation (cached, ttl=5m):")
	refreshed := after(t, got, "Refresh (the rotated value):")
	if want := masked(value("prod/db/password")); first != want {
		t.Errorf("first read %q, want that of testdata's password %q", first, want)
	}
	if first != cached {
		t.Errorf("cached read %q, want the first one %q", cached, first)
	}
	if want := masked(rotatedPassword); refreshed != want {
		t.Errorf("Refresh %q, want that of the rotated password %q", refreshed, want)
	}
	for _, want := range []string{
		"Redact: {Stage:prod DB:{Host:db.internal User:*** Password:*** PoolSize:20} HTTP:{Addr::8080 Timeout:7s} Flags:*** APIKey:***}",
		`msg="config loaded"`,
		"config.DB.Password=*** config.DB.PoolSize=20",
		"rotated /prod/db/password on disk",
		"errors.Is(err, vaultly.ErrNotFound) = true:\n  vaultly: Payments.Token (/prod/payments/token): file: secret not found",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q\noutput:\n%s", want, got)
		}
	}

	// No secret text may appear: every file's value but the public ones
	// (trimmed, and each JSON key of the flags), and the rotated password.
	leaks := []string{rotatedPassword, "new_checkout", "dark_mode", "beta_search"}
	for file, v := range before {
		if file != "prod/db/pool_size" && file != "prod/http/timeout" {
			leaks = append(leaks, strings.TrimSpace(v))
		}
	}
	for _, v := range leaks {
		if strings.Contains(got, v) {
			t.Errorf("output contains the secret value %q\noutput:\n%s", v, got)
		}
	}
	// The masks: 4 in the table and 1 in its legend, 4 each in the Redact
	// and log lines, 3 in the rotation lines.
	if n := strings.Count(got, "***"); n != 16 {
		t.Errorf("%d masks in the output, want 16:\n%s", n, got)
	}

	if diff := cmp.Diff(before, snapshot(t)); diff != "" {
		t.Errorf("run modified testdata/secrets (-before +after):\n%s", diff)
	}
}

// after returns what follows label on its line of out.
func after(t *testing.T, out, label string) string {
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
	if !regexp.MustCompile(`^[0-9a-f]{8}…$`).MatchString(got) {
		t.Errorf("fingerprint = %q, want <8 hex digits>…", got)
	}
	if m, want := masked(pw), "*** (7 bytes, fingerprint "+got+")"; m != want {
		t.Errorf("masked = %q, want %q", m, want)
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
