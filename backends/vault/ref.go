package vault

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vaultly/vaultly"
)

// entry is one KV read: a path below the mount and an optional version.
type entry struct {
	path    string
	version string
}

// selector is one Ref resolved to the entry it reads and the member it
// takes.
type selector struct {
	entry entry
	key   string
	// member: the key is Ref.Key, taken by the key= rule (a null member is
	// the text "null"), not the path's ":key" or the default key (a null
	// field is not found).
	member bool
}

// parseRef resolves a Ref: Ref.Key, or else "path:key" split on the last
// ':', or else the default key; it validates the path and the version
// (a KV v2 version number; checkVersion refuses any on KV v1). Leading
// and trailing slashes of the path are dropped.
func (b *Backend) parseRef(ref vaultly.Ref) (selector, error) {
	p, sel := ref.Path, selector{key: b.defaultKey}
	if i := strings.LastIndexByte(p, ':'); i >= 0 {
		if ref.Key != "" {
			return selector{}, refError(ref, `a Ref with Key set cannot also pick a field with ":key" (the path holds a ':')`)
		}
		p, sel.key = p[:i], p[i+1:]
		if sel.key == "" {
			return selector{}, refError(ref, "empty key after ':'")
		}
	}
	if ref.Key != "" {
		sel.key, sel.member = ref.Key, true
	}
	p = strings.Trim(p, "/")
	if err := checkPath(p); err != nil {
		return selector{}, refError(ref, err.Error())
	}
	if ref.Version != "" {
		n, err := strconv.ParseUint(ref.Version, 10, 63)
		if err != nil || n == 0 || strconv.FormatUint(n, 10) != ref.Version {
			return selector{}, refError(ref, fmt.Sprintf("version %q is not a positive KV v2 version number", ref.Version))
		}
	}
	sel.entry = entry{path: p, version: ref.Version}
	return sel, nil
}

// checkPath refuses empty paths and empty, "." or ".." segments: the client
// cleans the URL path, so "a/../../sys" would leave the mount.
func checkPath(p string) error {
	if p == "" {
		return fmt.Errorf("empty path")
	}
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "":
			return fmt.Errorf("empty path segment")
		case ".", "..":
			return fmt.Errorf("path segment %q not allowed", seg)
		}
	}
	return nil
}
