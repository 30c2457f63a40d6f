package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/open"
)

// defaultMax bounds a listing, as the prefix tag option does.
const defaultMax = 10000

func runLs(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("ls")
	max := fs.Int("max", defaultMax, "refuse a listing of more than `N` secrets")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageError("ls: want URL PREFIX, got %d arguments", len(pos))
	}
	if *max < 1 {
		return usageError("ls: --max must be at least 1")
	}
	if pos[1] == "" { // an unset variable, not the root: that is "/"
		return usageError("ls: empty PREFIX (the root is /)")
	}
	b, closer, err := open.Backend(ctx, pos[0])
	if err != nil {
		return err
	}
	defer closer.Close()

	prefix := dirPrefix(pos[1])
	keys, err := list(ctx, b, prefix, *max)
	if err != nil {
		return err
	}
	var out strings.Builder
	for _, k := range keys {
		out.WriteString(prefix + k + "\n")
	}
	_, err = io.WriteString(stdout, out.String())
	return err
}

// dirPrefix makes prefix end in "/", as GetPrefix wants.
func dirPrefix(prefix string) string {
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return prefix
}

// listAll reads every secret under prefix (at most max), keyed by the rest
// of its path.
func listAll(ctx context.Context, b vaultly.Backend, prefix string, max int) (map[string]string, error) {
	pb, ok := b.(backendkit.PrefixBackend)
	if !ok {
		return nil, &vaultly.BackendError{Backend: backendkit.Name(b), Kind: vaultly.ErrConfig, Ref: vaultly.Ref{Path: prefix},
			Msg: "this backend cannot list the secrets under a prefix"}
	}
	m, err := pb.GetPrefix(ctx, prefix, max)
	if err != nil {
		return nil, err
	}
	if len(m) > max {
		return nil, &vaultly.BackendError{Backend: backendkit.Name(b), Kind: vaultly.ErrConfig, Ref: vaultly.Ref{Path: prefix},
			Msg: fmt.Sprintf("more than %d secrets under the prefix (raise --max)", max)}
	}
	return m, nil
}

// list returns the sorted keys under prefix.
func list(ctx context.Context, b vaultly.Backend, prefix string, max int) ([]string, error) {
	m, err := listAll(ctx, b, prefix, max)
	if err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(m)), nil
}
