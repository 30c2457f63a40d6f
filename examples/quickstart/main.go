// Command quickstart loads a config with vaultly from a directory of secret
// files, prints it safely and picks up a rotated secret. From the repository
// root: go run ./examples/quickstart (or make demo), optionally -dir DIR.
// It rotates a file, so it works on a temporary copy of DIR.
package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
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
	// A lazy field: read with Get, cached for 5 minutes, and if the store
	// is down when the TTL runs out, the last good value is served.
	Password vaultly.Secret[string] `secret:"/<stage>/db/password,ttl=5m,stale_on_error"`
	PoolSize int                    `secret:"/<stage>/db/pool_size"`
}

type HTTP struct {
	Addr    string
	Timeout time.Duration `secret:"/<stage>/http/timeout"` // "7s"
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

	// Redact masks every secret-tagged field, plain or lazy. Printing cfg
	// itself would show DB.User and the flags: plain fields are plain Go values.
	fmt.Fprintf(out, "loaded: %v\n", vaultly.Redact(&cfg))
	logger.Info("config loaded", "config", vaultly.Redact(&cfg))

	fmt.Fprintf(out, "typed: PoolSize %T, Timeout %T, Flags %T with %d entries\n",
		cfg.DB.PoolSize, cfg.HTTP.Timeout, cfg.Flags, len(cfg.Flags))

	// Lazy fields are fetched on first use. The demo prints a keyed
	// fingerprint, never the value: enough to see a rotation, useless to an
	// attacker (see fingerprint).
	show := func(what string, read func(context.Context) (string, error)) error {
		pw, err := read(ctx)
		if err == nil {
			fmt.Fprintf(out, "%-34s %s\n", what+":", fingerprint(pw))
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
	return show("Refresh (the rotated value)", cfg.DB.Password.Refresh)
}

// fingerprintKey is the HMAC key of fingerprint, drawn afresh by every run
// of the program and never printed.
var fingerprintKey = func() []byte {
	k := make([]byte, 32)
	rand.Read(k) // never fails: crypto/rand.Read crashes the program instead
	return k
}()

// fingerprint identifies a value without revealing it: its length and the
// first 4 bytes of HMAC-SHA256(fingerprintKey, value), in hex.
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
	return fmt.Sprintf("len=%d hmac:%x…", len(s), mac.Sum(nil)[:4])
}

func dropTime(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}
