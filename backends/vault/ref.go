package vault

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vaultly/vaultly"
)

// entry is one KV v2 read: a path below the mount and an optional version.
type entry struct {
	path    string
	version string
}

// selector is one Ref resolved to the entry it reads and the key it picks.
type selector struct {
	entry entry
	key   string
}

// parseRef splits "path:key" on the last ':' and validates the path and the
// version. Leading and trailing slashes of the path are dropped.
func (b *Backend) parseRef(ref vaultly.Ref) (selector, error) {
	p, key := ref.Path, b.defaultKey
	if i := strings.LastIndexByte(p, ':'); i >= 0 {
		p, key = p[:i], p[i+1:]
		if key == "" {
			return selector{}, refError(ref, "empty key after ':'")
		}
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
	return selector{entry: entry{path: p, version: ref.Version}, key: key}, nil
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
