// Package env is a vaultly backend that reads environment variables.
//
// A path maps to a variable name with [Key]: with prefix "MYAPP",
// "/db/prod/password" is read from MYAPP_DB_PROD_PASSWORD. Versions are
// ignored: the environment holds one value per name.
//
// It suits local development and platforms that inject secrets as
// variables. An unset variable is vaultly.ErrNotFound, naming the variable
// (never a value); a variable set to the empty string is found.
//
// The namespace is flat: "/a/b-c", "/a/b/c" and "/a/b_c" all map to A_B_C.
// The Backend is a vaultly.BatchBackend so that it sees the Refs of one
// Load together: two different paths of one batch that map to the same
// variable are each a vaultly.ErrConfig error naming the paths and the
// variable, so that neither silently reads the other's value. Single Gets
// (a Secret field read after Load) cannot see that; do not build paths
// from tenant or other outside input with this backend.
//
// GetPrefix (the prefix tag option on a map field) scans the variables
// whose names begin with the mapped prefix and keys each by the rest of its
// name in lower case: with prefix "MYAPP", "/app/flags/" lists
// MYAPP_APP_FLAGS_NEW_CHECKOUT as "new_checkout". Nested paths are not told
// apart ("a/b" is listed as "a_b"): see [Backend.GetPrefix].
package env

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

// Backend reads secrets from environment variables. It is safe for
// concurrent use as long as its lookup function is. The zero value is not
// usable (its calls fail with vaultly.ErrConfig); use New.
type Backend struct {
	prefix  string
	lookup  func(string) (string, bool)
	environ func() []string // nil: WithLookup without WithEnviron, nothing to list
}

var (
	_ vaultly.BatchBackend     = (*Backend)(nil)
	_ backendkit.PrefixBackend = (*Backend)(nil)
)

// An Option configures New.
type Option func(*options)

type options struct {
	prefix  string
	lookup  func(string) (string, bool) // nil: os.LookupEnv
	environ func() []string
	errs    []string // invalid option values, each naming its option
}

// WithPrefix sets the prefix put before every variable name, used as given
// (not upper-cased). See [Key]. It must not contain '=' or a NUL byte,
// which no variable name can hold.
func WithPrefix(prefix string) Option {
	return func(o *options) {
		if strings.ContainsAny(prefix, "=\x00") {
			o.errs = append(o.errs, fmt.Sprintf("WithPrefix(%q): a variable name cannot contain '=' or a NUL byte", prefix))
			return
		}
		o.prefix = prefix
	}
}

// WithLookup replaces os.LookupEnv, the default, as the source of
// variables, so tests can run in parallel without t.Setenv. It must not be
// nil.
func WithLookup(lookup func(name string) (string, bool)) Option {
	return func(o *options) {
		if lookup == nil {
			o.errs = append(o.errs, "WithLookup: nil function")
			return
		}
		o.lookup = lookup
	}
}

// WithEnviron replaces os.Environ, the default, as the list of variables
// that GetPrefix scans, in os.Environ's "NAME=value" form. Only the names
// are taken from it: values are read with the lookup function, so that Get
// and GetPrefix always agree. Give it beside WithLookup: with WithLookup
// alone, GetPrefix is vaultly.ErrConfig, since the process environment
// would list names the lookup does not hold. It must not be nil.
func WithEnviron(environ func() []string) Option {
	return func(o *options) {
		if environ == nil {
			o.errs = append(o.errs, "WithEnviron: nil function")
			return
		}
		o.environ = environ
	}
}

// New returns a Backend reading the process environment, or the lookup
// function set with WithLookup. An invalid option value is an error
// matching vaultly.ErrConfig that names the option.
func New(opts ...Option) (*Backend, error) {
	var o options
	for _, opt := range opts {
		if opt != nil { // a nil Option (an unset variable) changes nothing
			opt(&o)
		}
	}
	if len(o.errs) > 0 {
		return nil, fmt.Errorf("env: %w: %s", vaultly.ErrConfig, strings.Join(o.errs, "; "))
	}
	if o.lookup == nil {
		o.lookup = os.LookupEnv
		if o.environ == nil {
			o.environ = os.Environ
		}
	}
	return &Backend{prefix: o.prefix, lookup: o.lookup, environ: o.environ}, nil
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
		return "", backendkit.NewCanceledError("env", ref, err, nil)
	}
	if b == nil || b.lookup == nil {
		return "", errNotNew
	}
	if strings.Trim(ref.Path, "/") == "" {
		return "", errNoName(ref)
	}
	name := Key(b.prefix, ref.Path)
	v, ok := b.lookup(name)
	if !ok {
		return "", errNotSet(ref, name)
	}
	return v, nil
}

// GetBatch answers each Ref as Get would, looking each variable up once,
// except that two or more different paths in refs that map to the same
// variable (such as "/db/prod/password" and "/db/prod-password", both
// MYAPP_DB_PROD_PASSWORD) are each a vaultly.ErrConfig error naming those
// paths and the variable, and the variable is not read for them. Refs that
// differ only in Version are one path. Failures, not-found ones included,
// are reported in a *vaultly.BatchError.
func (b *Backend) GetBatch(ctx context.Context, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, backendkit.NewCanceledError("env", vaultly.Ref{}, err, nil)
	}
	if b == nil || b.lookup == nil {
		return nil, errNotNew
	}
	refs = backendkit.UniqueRefs(refs)
	values := make(map[vaultly.Ref]string, len(refs))
	errs := map[vaultly.Ref]error{}
	names := make([]string, len(refs))            // names[i] is refs[i]'s variable, "" when it has none
	paths := make(map[string][]string, len(refs)) // variable -> the different paths mapping to it
	for i, ref := range refs {
		if strings.Trim(ref.Path, "/") == "" {
			errs[ref] = errNoName(ref)
			continue
		}
		name := Key(b.prefix, ref.Path)
		names[i] = name
		if ps := paths[name]; !slices.Contains(ps, ref.Path) {
			paths[name] = append(ps, ref.Path)
		}
	}
	type answer struct {
		v  string
		ok bool
	}
	looked := make(map[string]answer, len(paths))
	for i, ref := range refs {
		name := names[i]
		switch {
		case name == "":
			continue
		case len(paths[name]) > 1:
			errs[ref] = errCollision(ref, name, paths[name])
			continue
		}
		a, done := looked[name]
		if !done {
			a.v, a.ok = b.lookup(name)
			looked[name] = a
		}
		if !a.ok {
			errs[ref] = errNotSet(ref, name)
			continue
		}
		values[ref] = a.v
	}
	if len(errs) > 0 {
		return values, &vaultly.BatchError{Errs: errs}
	}
	return values, nil
}

func errNoName(ref vaultly.Ref) error {
	return &vaultly.BackendError{Backend: "env", Kind: vaultly.ErrConfig, Ref: ref,
		Msg: "path has no name to map to a variable"}
}

func errNotSet(ref vaultly.Ref, name string) error {
	return &vaultly.BackendError{Backend: "env", Kind: vaultly.ErrNotFound, Ref: ref,
		Msg: "variable " + name + " is not set"}
}

// errCollision is the error of ref, one of paths, which all map to the
// variable name. A variable name is not a secret.
func errCollision(ref vaultly.Ref, name string, paths []string) error {
	paths = slices.Sorted(slices.Values(paths))
	list := strings.Join(paths[:len(paths)-1], ", ") + " and " + paths[len(paths)-1]
	return &vaultly.BackendError{Backend: "env", Kind: vaultly.ErrConfig, Ref: ref,
		Msg: "paths " + list + " map to the same variable " + name}
}

// errNotNew is returned by a Backend that did not come from New.
var errNotNew = fmt.Errorf("env: %w: backend not created with env.New", vaultly.ErrConfig)
