package backendtest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/backends/backendtest"
)

// store is a small reference backend for the suite's own tests: versions,
// batches, failing paths and a hold, and a list of defects it can be told
// to have, each one a way to break the contract.
type store struct {
	values  map[vaultly.Ref]string // Version "" is the latest
	failing map[string]bool
	defect  string

	mu      sync.Mutex
	held    bool
	arrived int
	changed chan struct{} // closed and replaced when arrived grows
}

func newStore(secrets []backendtest.Secret, defect string) *store {
	s := &store{values: map[vaultly.Ref]string{}, failing: map[string]bool{}, defect: defect, changed: make(chan struct{})}
	for _, sec := range secrets {
		s.values[vaultly.Ref{Path: sec.Path}] = sec.Latest()
		for i, v := range sec.Versions {
			s.values[vaultly.Ref{Path: sec.Path, Version: strconv.Itoa(i + 1)}] = v
		}
		if sec.Fail {
			s.failing[sec.Path] = true
		}
	}
	return s
}

func (s *store) Name() string {
	if s.defect == "value in name" {
		return "store(" + s.values[vaultly.Ref{Path: "/conformance/plain"}] + ")"
	}
	return "store"
}

// wait counts the call as arrived and, when the store is held, blocks
// until ctx ends.
func (s *store) wait(ctx context.Context) error {
	s.mu.Lock()
	held := s.held
	if held {
		s.arrived++
		close(s.changed)
		s.changed = make(chan struct{})
	}
	s.mu.Unlock()
	if held && s.defect != "ignores cancel during call" {
		<-ctx.Done()
	}
	if s.defect == "ignores context" || s.defect == "ignores cancel during call" {
		return nil
	}
	return ctx.Err()
}

func (s *store) awaitArrived(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		got, ch := s.arrived, s.changed
		s.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (s *store) canceled(ref vaultly.Ref, err error) error {
	if s.defect == "cancel is transient" {
		return backendkit.NewError("store", vaultly.ErrTransient, ref, err)
	}
	return backendkit.NewCanceledError("store", ref, err, nil)
}

func (s *store) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	if err := s.wait(ctx); err != nil {
		return "", s.canceled(ref, err)
	}
	return s.lookup(ref)
}

func (s *store) lookup(ref vaultly.Ref) (string, error) {
	if ref.Key != "" {
		return s.member(ref)
	}
	if s.failing[ref.Path] {
		if s.defect == "failure is not found" {
			return "", backendkit.NewError("store", vaultly.ErrNotFound, ref, nil)
		}
		return "", backendkit.NewError("store", vaultly.ErrAuth, ref, nil)
	}
	if s.defect == "ignores versions" {
		ref.Version = ""
	}
	v, ok := s.values[ref]
	switch {
	case ok && s.defect == "trims values":
		return strings.TrimSpace(v), nil
	case ok:
		return v, nil
	case s.defect == "not found is transient":
		return "", backendkit.NewError("store", vaultly.ErrTransient, ref, nil)
	case s.defect == "unclassified not found":
		return "", fmt.Errorf("store: %s: no such secret", ref)
	case s.defect == "value in error":
		return "", &vaultly.BackendError{Backend: "store", Kind: vaultly.ErrNotFound, Ref: ref,
			Msg: "did you mean " + s.values[vaultly.Ref{Path: "/conformance/unicode"}]}
	}
	return "", backendkit.NewError("store", vaultly.ErrNotFound, ref, nil)
}

func (s *store) GetBatch(ctx context.Context, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	if len(refs) == 0 && s.defect == "empty batch fails" {
		return nil, backendkit.NewError("store", vaultly.ErrConfig, vaultly.Ref{}, errors.New("no refs"))
	}
	if err := s.wait(ctx); err != nil {
		return nil, s.canceled(vaultly.Ref{}, err)
	}
	if s.defect == "sorts refs in place" {
		slices.SortFunc(refs, func(a, b vaultly.Ref) int { return strings.Compare(a.Path, b.Path) })
	}
	out := map[vaultly.Ref]string{}
	errs := map[vaultly.Ref]error{}
	seen := map[vaultly.Ref]bool{}
	for _, ref := range refs {
		if seen[ref] && s.defect == "repeated refs fail" {
			return nil, backendkit.NewError("store", vaultly.ErrConfig, ref, errors.New("asked twice"))
		}
		seen[ref] = true
		v, err := s.lookup(ref)
		switch {
		case err == nil && s.defect == "rewrites batch keys":
			out[vaultly.Ref{Path: strings.TrimPrefix(ref.Path, "/"), Version: ref.Version}] = v
		case err == nil:
			out[ref] = v
		case errors.Is(err, vaultly.ErrNotFound) && s.defect != "batch error names other refs":
			// absent: not found
		default:
			errs[ref] = err
		}
	}
	if s.defect == "batch error names other refs" {
		errs[vaultly.Ref{Path: "/not/asked"}] = backendkit.NewError("store", vaultly.ErrNotFound, vaultly.Ref{Path: "/not/asked"}, nil)
	}
	if s.defect == "extra keys" {
		out[vaultly.Ref{Path: "/not/asked"}] = "extra"
	}
	if len(errs) > 0 {
		return out, &vaultly.BatchError{Errs: errs}
	}
	return out, nil
}

// ReadsKeys says the store takes members itself.
func (s *store) ReadsKeys() bool { return s.defect != "does not read keys" }

// member reads ref.Key of the document at ref.
func (s *store) member(ref vaultly.Ref) (string, error) {
	key := ref.Key
	ref.Key = ""
	doc, err := s.lookup(ref)
	ref.Key = key
	switch {
	case err != nil:
		return "", err
	case s.defect == "key returns the document":
		return doc, nil
	case s.defect == "missing key is config":
		if _, err := backendkit.Member("store", ref, doc); errors.Is(err, vaultly.ErrNotFound) {
			return "", backendkit.NewError("store", vaultly.ErrConfig, ref, nil)
		}
	}
	return backendkit.Member("store", ref, doc)
}

func (s *store) GetPrefix(ctx context.Context, prefix string, max int) (map[string]string, error) {
	ref := vaultly.Ref{Path: prefix}
	if err := s.wait(ctx); err != nil {
		return nil, s.canceled(ref, err)
	}
	out := map[string]string{}
	for r, v := range s.values {
		rest, ok := strings.CutPrefix(r.Path, prefix)
		if r.Version != "" || !ok || rest == "" {
			continue
		}
		switch {
		case s.failing[r.Path] && s.defect == "prefix failure is not found":
			return nil, backendkit.NewError("store", vaultly.ErrNotFound, ref, nil)
		case s.failing[r.Path] && s.defect == "prefix hides a failure":
			out[rest] = ""
			continue
		case s.failing[r.Path]:
			return nil, backendkit.NewError("store", vaultly.ErrAuth, ref, nil)
		case s.defect == "prefix drops nested" && strings.Contains(rest, "/"):
			continue
		case s.defect == "prefix keeps the prefix":
			rest = r.Path
		case s.defect == "underscore keys":
			rest = strings.ReplaceAll(rest, "/", "_")
		}
		out[rest] = v
		if len(out) == max && s.defect == "prefix stops at max" {
			break
		}
		if len(out) > max {
			break
		}
	}
	if len(out) == 0 && s.defect == "empty prefix is not found" {
		return nil, backendkit.NewError("store", vaultly.ErrNotFound, ref, nil)
	}
	return out, nil
}

// plainStore hides GetBatch.
type plainStore struct{ s *store }

func (p plainStore) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	return p.s.Get(ctx, ref)
}
func (p plainStore) Name() string    { return p.s.Name() }
func (p plainStore) ReadsKeys() bool { return p.s.ReadsKeys() }
func (p plainStore) GetPrefix(ctx context.Context, prefix string, max int) (map[string]string, error) {
	return p.s.GetPrefix(ctx, prefix, max)
}

func harness(defect string, batch bool) backendtest.Harness {
	wrap := func(s *store) vaultly.Backend {
		if batch {
			return s
		}
		return plainStore{s}
	}
	return backendtest.Harness{
		New: func(t *testing.T, secrets []backendtest.Secret) vaultly.Backend {
			return wrap(newStore(secrets, defect))
		},
		Versions: true,
		Failures: true,
		Prefixes: true,
		Keys:     true,
		NewSlow: func(t *testing.T, secrets []backendtest.Secret) (vaultly.Backend, func(context.Context, int) error) {
			s := newStore(secrets, defect)
			s.held = true
			return wrap(s), s.awaitArrived
		},
	}
}

func TestReference(t *testing.T) {
	t.Parallel()
	for _, batch := range []bool{true, false} {
		t.Run(fmt.Sprintf("batch=%v", batch), func(t *testing.T) {
			t.Parallel()
			backendtest.Run(t, harness("", batch))
		})
	}
}

func TestPathAndMinimalHarness(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seeded []string
	backendtest.Run(t, backendtest.Harness{
		New: func(t *testing.T, secrets []backendtest.Secret) vaultly.Backend {
			mu.Lock()
			defer mu.Unlock()
			for _, s := range secrets {
				if len(s.Versions) != 1 || s.Fail {
					t.Errorf("secret %q: %d versions, Fail %v; want 1 version and no Fail", s.Path, len(s.Versions), s.Fail)
				}
				seeded = append(seeded, s.Path)
			}
			return newStore(secrets, "")
		},
		NoEmpty: true,
		Path:    func(p string) string { return "/tenant-a" + p },
	})
	mu.Lock()
	defer mu.Unlock()
	for _, p := range seeded {
		if !strings.HasPrefix(p, "/tenant-a/conformance/") || strings.HasSuffix(p, "/empty") {
			t.Errorf("seeded %q; want /tenant-a/conformance/..., and no empty value", p)
		}
	}
}

// The defects tests: each runs the suite against a broken store in a child
// process (the suite reports through the real *testing.T) and checks that
// the run fails with the assertion that names the defect.

const defectEnv = "BACKENDTEST_DEFECT"

func TestDefectChild(t *testing.T) {
	defect := os.Getenv(defectEnv)
	if defect == "" {
		t.Skip("run by TestDefectsAreCaught")
	}
	batch := !strings.HasPrefix(defect, "plain ")
	backendtest.Run(t, harness(strings.TrimPrefix(defect, "plain "), batch))
}

func TestDefectsAreCaught(t *testing.T) {
	t.Parallel()
	tests := []struct {
		defect string
		want   []string // substrings of the child's output
	}{
		{"value in error", []string{"--- FAIL: TestDefectChild/Get", "the error text holds a secret value"}},
		{"value in name", []string{"--- FAIL: TestDefectChild/Name", "holds a secret value"}},
		{"not found is transient", []string{"--- FAIL: TestDefectChild/Get", "want an error matching ErrNotFound and no other kind"}},
		{"unclassified not found", []string{"got \"\", unknown error"}},
		{"trims values", []string{"/conformance/padded: got \"padded-zq7v\"; want \"  \\tpadded-zq7v \\t \""}},
		{"ignores versions", []string{"--- FAIL: TestDefectChild/Versions", "/conformance/versioned@1: got \"v3-zq7v-latest\"; want \"v1-zq7v-oldest\""}},
		{"failure is not found", []string{"--- FAIL: TestDefectChild/Failures", "want a classified failure other than ErrNotFound"}},
		{"cancel is transient", []string{"--- FAIL: TestDefectChild/Canceled", "--- FAIL: TestDefectChild/CanceledDuringCall", "want an error matching context canceled and no kind"}},
		{"ignores context", []string{"--- FAIL: TestDefectChild/Canceled", "Get with an expired context: /conformance/plain: got \"plain-zq7v-s3cr3t\", nil error"}},
		{"ignores cancel during call", []string{"--- FAIL: TestDefectChild/CanceledDuringCall", "want an error matching context canceled"}},
		{"rewrites batch keys", []string{"--- FAIL: TestDefectChild/Batch", "GetBatch(one secret): /conformance/plain: got not_found error", "the map has a key that was not asked for: conformance/plain"}},
		{"batch error names other refs", []string{"the BatchError names /not/asked, which was not asked for"}},
		{"empty batch fails", []string{"GetBatch([]vaultly.Ref(nil)) = 0 values, config error \"store: configuration error: no refs\"; want a nil error"}},
		{"sorts refs in place", []string{"GetBatch changed the slice of Refs it was given"}},
		{"repeated refs fail", []string{"GetBatch(repeated refs): /conformance/plain: got config error"}},
		{"does not read keys", []string{"--- FAIL: TestDefectChild/Keys", "does not implement backendkit.KeyBackend with ReadsKeys() true"}},
		{"key returns the document", []string{"--- FAIL: TestDefectChild/Keys", `Get: /conformance/object#user: got "{\"user\"`, "GetBatch(members): /conformance/object#port"}},
		{"missing key is config", []string{"Get: /conformance/object#nosuchkey: got \"\", config error", "want an error matching ErrNotFound"}},
		{"prefix drops nested", []string{"--- FAIL: TestDefectChild/Prefix", `GetPrefix("/conformance/tree/", 10000): key "b/c" is missing`}},
		{"prefix keeps the prefix", []string{`GetPrefix("/conformance/many/", 1): unexpected key "/conformance/many/`}},
		{"prefix stops at max", []string{`GetPrefix("/conformance/many/", 5) = 5 entries`, "want at least 6 of the 12 entries"}},
		{"empty prefix is not found", []string{`GetPrefix("/conformance/missing/", 10000) = 0 entries [], not_found error`, "want an empty map and a nil error"}},
		{"prefix failure is not found", []string{`GetPrefix("/conformance/locked/") with a failing secret: not_found error`}},
		{"prefix hides a failure", []string{`GetPrefix("/conformance/locked/") with a failing secret = 2 entries ["open" "secret"]`}},
	}
	for _, tt := range tests {
		t.Run(tt.defect, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestDefectChild$", "-test.v")
			cmd.Env = append(os.Environ(), defectEnv+"="+tt.defect)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("the suite passed a store with the defect %q (err %v):\n%s", tt.defect, err, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("the output does not contain %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestQuirky checks that Quirky keeps a conformant backend conformant.
func TestQuirky(t *testing.T) {
	t.Parallel()
	h := harness("", true)
	h.New = func(t *testing.T, secrets []backendtest.Secret) vaultly.Backend {
		return backendtest.Quirky(newStore(secrets, ""))
	}
	h.NewSlow = nil
	h.Prefixes, h.Keys = false, false // Quirky forwards Get and GetBatch only
	backendtest.Run(t, h)
}

func TestExtraKeysAreIgnored(t *testing.T) {
	t.Parallel()
	backendtest.Run(t, harness("extra keys", true))
}

// PrefixKey rewrites the keys the suite expects, for a store whose names
// cannot keep "/"; with Path, the folders listed are rewritten too.
func TestPrefixKey(t *testing.T) {
	t.Parallel()
	h := harness("underscore keys", true)
	h.NewSlow = nil
	h.Path = func(p string) string { return "/tenant-a" + p }
	h.PrefixKey = func(k string) string { return strings.ReplaceAll(k, "/", "_") }
	backendtest.Run(t, h)
}
