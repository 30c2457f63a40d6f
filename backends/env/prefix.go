package env

import (
	"context"
	"strings"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

// GetPrefix returns every variable under prefix, a path ending in "/":
// the variables whose names are Key(prefix) followed by '_' and a rest
// made of ASCII upper-case letters, digits and '_' only (the names Key can
// produce), each keyed by its rest in lower case. With the prefix "MYAPP",
// GetPrefix(ctx, "/app/flags/", max) lists MYAPP_APP_FLAGS_NEW_CHECKOUT as
// "new_checkout", which Get reads back as "/app/flags/new_checkout".
//
// The mapping back is lossy, as the namespace is flat: a '_' in a name
// may have been '/', '-', '.' or '_' in a path, and the case of the path
// is gone. GetPrefix keeps the '_' and lower-cases the rest, so nested
// paths are not told apart: "/app/flags/a/b" is listed as "a_b". It also
// lists what other prefixes map to: "/app/flags/" and "/app-flags/" list
// the same variables. A variable with a lower-case letter after the mapped
// prefix is not listed, as Get could not read it. Without WithPrefix, the
// prefix "/" lists every such variable of the environment (PATH as
// "path"): set a prefix.
//
// The names come from os.Environ, or the list set with WithEnviron; the
// values from the lookup function, as for Get. Nothing under prefix is an
// empty map and a nil error. It stops once it holds more than max
// entries. A prefix that does not end in "/", and a Backend made with
// WithLookup and without WithEnviron, are vaultly.ErrConfig.
func (b *Backend) GetPrefix(ctx context.Context, prefix string, max int) (map[string]string, error) {
	ref := vaultly.Ref{Path: prefix}
	if err := ctx.Err(); err != nil {
		return nil, backendkit.NewCanceledError("env", ref, err, nil)
	}
	if b == nil || b.lookup == nil {
		return nil, errNotNew
	}
	if !strings.HasSuffix(prefix, "/") {
		return nil, errPrefix(ref, `prefix does not end in "/"`)
	}
	if b.environ == nil {
		return nil, errPrefix(ref, "cannot list variables: WithLookup was given without WithEnviron")
	}
	head := Key(b.prefix, prefix)
	if strings.Trim(prefix, "/") != "" {
		head += "_"
	}
	out := make(map[string]string)
	for _, kv := range b.environ() {
		name, _, _ := strings.Cut(kv, "=")
		rest, ok := strings.CutPrefix(name, head)
		if !ok || !mapped(rest) {
			continue
		}
		v, ok := b.lookup(name)
		if !ok {
			continue
		}
		out[strings.ToLower(rest)] = v
		if len(out) > max {
			break
		}
	}
	return out, nil
}

// mapped reports whether rest, the part of a variable name after a mapped
// prefix, is one that Key produces: not empty, and only 'A'-'Z', '0'-'9'
// and '_'.
func mapped(rest string) bool {
	if rest == "" {
		return false
	}
	for i := range len(rest) {
		c := rest[i]
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func errPrefix(ref vaultly.Ref, msg string) error {
	return &vaultly.BackendError{Backend: "env", Kind: vaultly.ErrConfig, Ref: ref, Msg: msg}
}
