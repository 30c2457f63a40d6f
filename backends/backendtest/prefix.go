package backendtest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/vaultly/vaultly/backendkit"
)

// prefixKey is the key the backend returns for the rest of a path.
func (s *suite) prefixKey(rest string) string {
	if s.h.PrefixKey != nil {
		return s.h.PrefixKey(rest)
	}
	return rest
}

// under returns what GetPrefix must return for the folder name (such as
// "tree/"): every seeded secret below it, keyed by the rest of its path.
func (s *suite) under(folder string) map[string]string {
	want := map[string]string{}
	names := []fixture{}
	names = append(names, valueFixtures(s.h.NoEmpty)...)
	names = append(names, treeFixtures...)
	for _, f := range names {
		if rest, ok := strings.CutPrefix(f.name, folder); ok {
			want[s.prefixKey(rest)] = f.versions[len(f.versions)-1]
		}
	}
	return want
}

// describe lists a GetPrefix answer's keys, sorted, for a failure message.
func describe(m map[string]string) string {
	return fmt.Sprintf("%d entries %q", len(m), slices.Sorted(maps.Keys(m)))
}

// testPrefix lists folders with GetPrefix.
func (s *suite) testPrefix(t *testing.T) {
	if !s.h.Prefixes {
		t.Skip("Harness.Prefixes is false")
	}
	t.Parallel()
	b := s.newBackend(t)
	pb, ok := b.(backendkit.PrefixBackend)
	if !ok {
		t.Fatalf("Harness.Prefixes is true but %T does not implement backendkit.PrefixBackend", b)
	}
	ctx := context.Background()
	const unbounded = 10_000

	// Every entry, nested ones with "/" between the names.
	for _, folder := range []string{"tree/", "tree/b/", "many/"} {
		prefix := s.path(folder[:len(folder)-1]) + "/"
		call := fmt.Sprintf("GetPrefix(%q, %d)", prefix, unbounded)
		got, err := pb.GetPrefix(ctx, prefix, unbounded)
		s.checkText(t, call, err)
		if err != nil {
			t.Errorf("%s: %s; want %s", call, kindText(err), describe(s.under(folder)))
			continue
		}
		s.checkEntries(t, call, got, s.under(folder), true)
	}

	// Nothing under it: an empty map and a nil error.
	for _, folder := range []string{"missing/", "plain/", "tree/b/d/e/", "trex/"} {
		prefix := s.path(folder[:len(folder)-1]) + "/"
		call := fmt.Sprintf("GetPrefix(%q, %d)", prefix, unbounded)
		got, err := pb.GetPrefix(ctx, prefix, unbounded)
		s.checkText(t, call, err)
		if err != nil || len(got) != 0 {
			t.Errorf("%s = %s, %s; want an empty map and a nil error (nothing is under it)", call, describe(got), kindText(err))
		}
	}

	// The bound: past max, the answer must say so by holding more than
	// max entries, each of them right.
	many := s.under("many/")
	prefix := s.path("many") + "/"
	for _, max := range []int{1, 5, len(many) - 1, len(many)} {
		call := fmt.Sprintf("GetPrefix(%q, %d)", prefix, max)
		got, err := pb.GetPrefix(ctx, prefix, max)
		s.checkText(t, call, err)
		if err != nil {
			t.Errorf("%s: %s; want the entries", call, kindText(err))
			continue
		}
		if want := min(max+1, len(many)); len(got) < want {
			t.Errorf("%s = %s; want at least %d of the %d entries: an answer of max entries or fewer hides that there are more",
				call, describe(got), want, len(many))
		}
		s.checkEntries(t, call, got, many, false)
	}

	if s.h.Failures {
		s.checkLocked(t, pb)
	}

	// Cancellation.
	for _, c := range endedContexts(t) {
		for _, folder := range []string{"tree", "missing"} {
			prefix := s.path(folder) + "/"
			call := fmt.Sprintf("GetPrefix(%q) with %s", prefix, c.name)
			got, err := pb.GetPrefix(c.ctx, prefix, unbounded)
			s.checkText(t, call, err)
			if !isCanceled(err, c.want) {
				t.Errorf("%s = %s, %s; want an error matching %v and no kind (backendkit.NewCanceledError)",
					call, describe(got), kindText(err), c.want)
			}
		}
	}
}

// checkLocked lists a folder holding a secret seeded with Fail: the
// listing fails with a classified error other than not found, or leaves
// that secret out (a store may list only what the caller can read).
func (s *suite) checkLocked(t *testing.T, pb backendkit.PrefixBackend) {
	t.Helper()
	prefix := s.path("locked") + "/"
	call := fmt.Sprintf("GetPrefix(%q) with a failing secret", prefix)
	got, err := pb.GetPrefix(context.Background(), prefix, 10_000)
	s.checkText(t, call, err)
	switch {
	case err != nil && !isFailure(err):
		t.Errorf("%s: %s; want a classified failure other than ErrNotFound", call, kindText(err))
	case err != nil:
		t.Logf("%s: failed as a whole: %v", call, err)
	default:
		want := map[string]string{s.prefixKey("open"): lockedFixtures[0].versions[0]}
		if !maps.Equal(got, want) {
			t.Errorf("%s = %s; want a classified failure, or only the readable entry %q", call, describe(got), s.prefixKey("open"))
		}
	}
}

// checkEntries checks a GetPrefix answer against want: every entry it
// holds must be in want with the same value, and with all, every entry
// of want must be there.
func (s *suite) checkEntries(t *testing.T, call string, got, want map[string]string, all bool) {
	t.Helper()
	for k, v := range got {
		w, ok := want[k]
		switch {
		case !ok:
			t.Errorf("%s: unexpected key %q (want the keys %q)", call, k, slices.Sorted(maps.Keys(want)))
		case v != w:
			t.Errorf("%s: key %q = %q; want %q", call, k, v, w)
		}
	}
	if !all {
		return
	}
	for k := range want {
		if _, ok := got[k]; !ok {
			t.Errorf("%s: key %q is missing (got %s)", call, k, describe(got))
		}
	}
}
