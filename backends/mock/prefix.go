package mock

import (
	"context"
	"errors"
	"strings"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

var _ backendkit.PrefixBackend = (*Backend)(nil)

// errNoSlash is the cause of a GetPrefix whose prefix does not end in "/".
var errNoSlash = errors.New(`prefix does not end in "/"`)

// GetPrefix returns the current value of every path that begins with
// prefix, keyed by the rest of the path ("/app/flags/" and
// "/app/flags/a/b" give the key "a/b"). Pinned versions are not listed.
// Nothing under prefix is an empty map and a nil error; a prefix that
// does not end in "/" is vaultly.ErrConfig. It stops once it holds more
// than max entries.
//
// The call is recorded as a Get of vaultly.Ref{Path: prefix} (in Calls,
// counted by Requests), then held, delayed and failed as such a Get is,
// and it also fails with the failure injected for any path it lists
// (Fail, or one count of FailNext), as a store that denies one of the
// secrets fails the listing. Errors name the Ref {Path: prefix}.
func (b *Backend) GetPrefix(ctx context.Context, prefix string, max int) (map[string]string, error) {
	ref := vaultly.Ref{Path: prefix}
	if err := b.start(ctx, ref); err != nil {
		return nil, err
	}
	if !strings.HasSuffix(prefix, "/") {
		return nil, backendkit.NewError(b.name, vaultly.ErrConfig, ref, errNoSlash)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.injectedForLocked(ref); err != nil {
		return nil, err
	}
	out := make(map[string]string)
	for path, v := range b.current {
		rest, ok := strings.CutPrefix(path, prefix)
		if !ok || rest == "" {
			continue
		}
		if err := b.injectedLocked(path); err != nil {
			return nil, b.classify(ref, err)
		}
		out[rest] = v
		if len(out) > max {
			break
		}
	}
	return out, nil
}
