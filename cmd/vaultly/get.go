package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/open"
)

// fingerprintKey is the fixed, public HMAC-SHA256 key of the fingerprint
// get prints. A fingerprint compares two values without showing them; it
// does not hide a short or guessable value from someone who tries
// candidates (docs/cli.md).
const fingerprintKey = "vaultly fingerprint v1"

// fingerprint is the first 8 hex digits of HMAC-SHA256(fingerprintKey, value).
func fingerprint(value string) string {
	m := hmac.New(sha256.New, []byte(fingerprintKey))
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil))[:8]
}

func runGet(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("get")
	key := fs.String("key", "", "take member `K` of a JSON object")
	version := fs.String("version", "", "read version or label `V`")
	reveal := fs.Bool("reveal", false, "print the value itself")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageError("get: want URL PATH, got %d arguments", len(pos))
	}
	if pos[1] == "" {
		return usageError("get: empty PATH")
	}
	b, closer, err := open.Backend(ctx, pos[0])
	if err != nil {
		return err
	}
	defer closer.Close()

	ref := vaultly.Ref{Path: pos[1], Version: *version, Key: *key}
	values, err := read(ctx, b, []vaultly.Ref{ref})
	if err != nil {
		return err
	}
	v := values[ref]
	if *reveal {
		_, err = fmt.Fprintln(stdout, v)
	} else {
		_, err = fmt.Fprintf(stdout, "length=%d hmac=%s\n", len(v), fingerprint(v))
	}
	return err
}
