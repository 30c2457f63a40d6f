// Command quickstart loads a config with vaultly from a directory of secret
// files, prints what it loaded so you can check it against the files,
// picks up a rotated secret, and shows the error a missing secret gives.
// From the repository root: go run ./examples/quickstart (or make demo),
// optionally -dir DIR. It rotates a file, so it works on a temporary copy
// of DIR.
package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/file"
)

// Config is what the service needs. Fields without a secret tag are plain
// settings; Stage also fills the <stage> placeholder of every path.
type Config struct {
	Stage string
	DB    Database
	HTTP  HTTP
	// JSON text decoded into a map; the tag says where, the type says how.
	Flags  map[string]bool        `secret:"/<stage>/feature_flags"`
	APIKey vaultly.Secret[string] `secret:"/<stage>/api/key,ttl=15m"`
}

// Database is nested: its templates still resolve against Config's fields.
type Database struct {
	Host string // not a secret: printed as is
	User string `secret:"/<stage>/db/user"`
	// A Secret field: fetched by Load too, then read with Get, cached for
	// 5 minutes, and if the store is down when the TTL runs out, the last
	// good value is served.
	Password vaultly.Secret[string] `secret:"/<stage>/db/password,ttl=5m,stale_on_error"`
	// public: configuration, not a secret. Redact shows it.
	PoolSize int `secret:"/<stage>/db/pool_size,public"`
}

type HTTP struct {
	Addr    string
	Timeout time.Duration `secret:"/<stage>/http/timeout,public"` // "7s"
}

// Payments names a secret that testdata/secrets does not hold: the demo
// loads it to show the error a missing secret gives.
type Payments struct {
	Stage string
	Token string `secret:"/<stage>/payments/token"`
}

// rotatedPassword is written over db/password. Fake, like testdata/secrets.
const rotatedPassword = "fake-db-pw-QS-0002"

func main() {
	dir := flag.String("dir", "testdata/secrets", "directory of secret files (copied, never modified)")
	flag.Parse()
	if err := run(context.Background(), *dir, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dir string, out io.Writer) error {
	// Work on a copy: the demo rewrites a file.
	tmp, err := os.MkdirTemp("", "vaultly-quickstart-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := os.CopyFS(tmp, os.DirFS(dir)); err != nil {
		return fmt.Errorf("copying %s (run from the repository root, or pass -dir): %w", dir, err)
	}

	backend, err := file.New(tmp) // "/prod/db/password" -> tmp/prod/db/password
	if err != nil {
		return err
	}
	defer backend.Close()

	// A text logger without timestamps, so the output reads the same on
	// every run. vaultly logs its warnings (stale values) here too.
	logger := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{ReplaceAttr: dropTime}))

	// A Loader owns the cache that Secret fields read through.
	loader, err := vaultly.New(backend, vaultly.WithLogger(logger))
	if err != nil {
		return err
	}
	defer loader.Close()

	cfg := Config{Stage: "prod", DB: Database{Host: "db.internal"}, HTTP: HTTP{Addr: ":8080"}}
	if err := loader.Load(ctx, &cfg); err != nil {
		return err // names every failing field, never a value
	}

	// What was loaded, field by field, with the file each value came
	// from, so you can check it: cat testdata/secrets/prod/db/pool_size.
	pw, err := cfg.DB.Password.Get(ctx) // a Secret field is read with Get
	if err != nil {
		return err
	}
	key, err := cfg.APIKey.Get(ctx)
	if err != nil {
		return err
	}
	from := func(ref vaultly.Ref) string { return "from " + filepath.Join(dir, filepath.FromSlash(ref.Path)) }
	fmt.Fprintf(out, "Loaded (stage %q, file backend over %s):\n", cfg.Stage, dir)
	rows := [][3]string{
		{"Stage", cfg.Stage, "plain field, set in code"},
		{"DB.Host", cfg.DB.Host, "plain field, set in code"},
		{"DB.User", masked(cfg.DB.User), from(vaultly.Ref{Path: "/prod/db/user"})},
		{"DB.Password", masked(pw), from(cfg.DB.Password.Ref()) + " (Secret: read with Get)"},
		{"DB.PoolSize", fmt.Sprint(cfg.DB.PoolSize), from(vaultly.Ref{Path: "/prod/db/pool_size"}) + " (public)"},
		{"HTTP.Addr", cfg.HTTP.Addr, "plain field, set in code"},
		{"HTTP.Timeout", cfg.HTTP.Timeout.String(), from(vaultly.Ref{Path: "/prod/http/timeout"}) + " (public)"},
		{"Flags", fmt.Sprintf("*** (%T, %d entries)", cfg.Flags, len(cfg.Flags)), from(vaultly.Ref{Path: "/prod/feature_flags"}) + " (JSON)"},
		{"APIKey", masked(key), from(cfg.APIKey.Ref()) + " (Secret: read with Get)"},
	}
	for _, r := range rows {
		fmt.Fprintf(out, "  %-13s %-40s %s\n", r[0], r[1], r[2])
	}
	fmt.Fprintln(out, "*** is a secret, never printed: its length and fingerprint (a keyed hash, new each run)")
	fmt.Fprintln(out, "tell values apart without showing them. Fields tagged public, and plain fields, are shown.")
	fmt.Fprintln(out)

	// Redact does the masking for you, for fmt, JSON and log/slog: every
	// secret-tagged field is ***, unless tagged public. Printing cfg itself
	// would show DB.User and the flags: plain fields are plain Go values.
	fmt.Fprintf(out, "Redact: %v\n", vaultly.Redact(&cfg))
	logger.Info("config loaded", "config", vaultly.Redact(&cfg))
	fmt.Fprintln(out)

	// Secret fields are cached: show the fingerprint before and after a
	// rotation on disk.
	show := func(what string, read func(context.Context) (string, error)) error {
		pw, err := read(ctx)
		if err == nil {
			fmt.Fprintf(out, "%-36s %s\n", what+":", masked(pw))
		}
		return err
	}
	if err := show("DB.Password Get", cfg.DB.Password.Get); err != nil {
		return err
	}

	// Rotate the secret on disk, as a Kubernetes secret update would.
	path := filepath.Join(tmp, "prod", "db", "password")
	if err := os.WriteFile(path, []byte(rotatedPassword+"\n"), 0o600); err != nil {
		return err
	}
	fmt.Fprintf(out, "rotated %s on disk\n", cfg.DB.Password.Ref())

	// Within the 5-minute TTL, Get answers from the cache: same fingerprint.
	if err := show("Get after rotation (cached, ttl=5m)", cfg.DB.Password.Get); err != nil {
		return err
	}
	// Refresh skips the TTL and fetches now; loader.Invalidate(ref) would
	// make the next Get fetch instead (say, on a rotation event).
	if err := show("Refresh (the rotated value)", cfg.DB.Password.Refresh); err != nil {
		return err
	}
	fmt.Fprintln(out)

	// An error on purpose: Payments names a secret the directory lacks.
	// The error names the field, the path and the backend, never a value,
	// and matches vaultly.ErrNotFound.
	err = loader.Load(ctx, &Payments{Stage: "prod"})
	if err == nil {
		return errors.New("loading Payments succeeded: want a not-found error")
	}
	fmt.Fprintf(out, "An error on purpose (Payments.Token has no file), errors.Is(err, vaultly.ErrNotFound) = %t:\n  %v\n",
		errors.Is(err, vaultly.ErrNotFound), err)
	return nil
}

// fingerprintKey is the HMAC key of fingerprint, drawn afresh by every run
// of the program and never printed.
var fingerprintKey = func() []byte {
	k := make([]byte, 32)
	rand.Read(k) // never fails: crypto/rand.Read crashes the program instead
	return k
}()

// masked shows a secret as ***, its length and its fingerprint.
func masked(s string) string {
	return fmt.Sprintf("*** (%d bytes, fingerprint %s)", len(s), fingerprint(s))
}

// fingerprint identifies a value without revealing it: the first 4 bytes
// of HMAC-SHA256(fingerprintKey, value), in hex.
//
// It is keyed on purpose. A plain hash of a secret in a log lets whoever
// reads the log confirm guesses offline: hash "hunter2", compare, repeat,
// which for a weak password is quick. With a random key that never leaves
// the process the printed bytes say nothing to anyone else, yet equal
// values still give equal fingerprints within one run, which is all the
// demo needs to show a rotation. Fingerprints from different runs do not
// compare.
func fingerprint(s string) string {
	mac := hmac.New(sha256.New, fingerprintKey)
	mac.Write([]byte(s))
	return fmt.Sprintf("%x…", mac.Sum(nil)[:4])
}

func dropTime(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}
