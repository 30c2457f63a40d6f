// Package env is a vaultly backend that reads environment variables.
//
// A path maps to a variable name with [Key]: with prefix "MYAPP",
// "/db/prod/password" is read from MYAPP_DB_PROD_PASSWORD. Versions are
// ignored: the environment holds one value per name.
//
// It suits local development and platforms that inject secrets as
// variables. An unset variable is vaultly.ErrNotFound, naming the variable
// (never a value); a variable set to the empty string is found.
package env

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/vaultly/vaultly"
)

// Backend reads secrets from environment variables. It is safe for
// concurrent use as long as its lookup function is.
type Backend struct {
	prefix string
	lookup func(string) (string, bool)
}

var _ vaultly.Backend = (*Backend)(nil)

// Option configures a Backend.
type Option func(*Backend)

// WithPrefix sets the prefix put before every variable name, used as given
// (not upper-cased). See [Key].
func WithPrefix(prefix string) Option {
	return func(b *Backend) { b.prefix = prefix }
}

// WithLookup replaces os.LookupEnv, the default, as the source of
// variables, so tests can run in parallel without t.Setenv. A nil lookup
// keeps the default.
func WithLookup(lookup func(name string) (string, bool)) Option {
	return func(b *Backend) {
		if lookup != nil {
			b.lookup = lookup
		}
	}
}

// New returns a Backend reading the process environment.
func New(opts ...Option) *Backend {
	b := &Backend{lookup: os.LookupEnv}
	for _, opt := range opts {
		opt(b)
	}
	return b
}

// Name returns "env", or "env(PREFIX)" when a prefix is set, for wrappers
// such as the chain that name their members. Errors from Get name the
// backend "env" and the variable they looked for.
func (b *Backend) Name() string {
	if b.prefix == "" {
		return "env"
	}
	return "env(" + b.prefix + ")"
}

// Key returns the variable name for path: leading and trailing '/' are
// dropped, every other character that is not an ASCII letter or digit
// becomes '_', and the result is upper-cased. A non-empty prefix comes
// first, joined with one '_' unless it already ends with '_'.
//
//	Key("MYAPP", "/db/prod/password")  == "MYAPP_DB_PROD_PASSWORD"
//	Key("MYAPP_", "/db/prod/password") == "MYAPP_DB_PROD_PASSWORD"
//	Key("", "/services/open-ai/key")   == "SERVICES_OPEN_AI_KEY"
func Key(prefix, path string) string {
	path = strings.Trim(path, "/")
	var b strings.Builder
	b.Grow(len(prefix) + 1 + len(path))
	b.WriteString(prefix)
	if prefix != "" && !strings.HasSuffix(prefix, "_") {
		b.WriteByte('_')
	}
	for _, r := range path {
		switch {
		case 'a' <= r && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// Get returns the variable named Key(prefix, ref.Path); ref.Version is
// ignored. A path with nothing but '/' is vaultly.ErrConfig.
func (b *Backend) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("env: %s: %w", ref, err)
	}
	if strings.Trim(ref.Path, "/") == "" {
		return "", &vaultly.BackendError{Backend: "env", Kind: vaultly.ErrConfig, Ref: ref,
			Msg: "path has no name to map to a variable"}
	}
	name := Key(b.prefix, ref.Path)
	v, ok := b.lookup(name)
	if !ok {
		return "", &vaultly.BackendError{Backend: "env", Kind: vaultly.ErrNotFound, Ref: ref,
			Msg: "variable " + name + " is not set"}
	}
	return v, nil
}
