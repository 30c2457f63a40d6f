package backendtest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/vaultly/vaultly"
)

// Marker is part of every distinctive value the suite seeds and of no path
// or name it uses: an error text or a backend name that contains it leaks a
// secret value.
const Marker = "zq7v"

// Secret is one secret the suite seeds before it reads.
type Secret struct {
	// Path is the Ref.Path the suite reads the secret with (after
	// Harness.Path).
	Path string
	// Versions holds the values, oldest first: Versions[0] is version "1"
	// and the last is the current value. When Harness.Versions is false
	// there is exactly one.
	Versions []string
	// Fail asks that every read of this secret fail with a classified
	// error other than vaultly.ErrNotFound (vaultly.ErrAuth is the
	// natural choice: a policy that denies the path). The suite sets it
	// only when Harness.Failures is true.
	Fail bool
	// Object says the value is a JSON object whose members the suite
	// reads with Ref.Key; a store of objects (Vault) stores its members.
	// The suite seeds such a secret only when Harness.Keys is true.
	Object bool
}

// Latest returns the current value: the last of Versions.
func (s Secret) Latest() string {
	if len(s.Versions) == 0 {
		return ""
	}
	return s.Versions[len(s.Versions)-1]
}

// Harness tells the suite how to build the backend under test and what it
// can do. Only New is required.
type Harness struct {
	// New returns a backend that holds exactly secrets (and nothing else
	// under the paths the suite reads). It is called once per subtest,
	// from parallel subtests; register clean-up with t.Cleanup and fail
	// with t.Fatal.
	New func(t *testing.T, secrets []Secret) vaultly.Backend

	// Versions says the backend serves Ref.Version "1", "2", ... (1 is
	// the oldest) and reports a version it does not hold as not found.
	Versions bool

	// NoEmpty says the store cannot hold an empty value, so the suite
	// does not seed one.
	NoEmpty bool

	// Failures says New honours Secret.Fail.
	Failures bool

	// NewSlow, optional, is like New except that every call, once it has
	// reached the store, blocks until the caller's context ends (a held
	// mock, a test server with a long latency). arrived blocks until n
	// calls in all have reached the store since NewSlow returned, or ctx
	// ends; the suite makes those calls one at a time, each ending before
	// the next starts. It enables the CanceledDuringCall check.
	NewSlow func(t *testing.T, secrets []Secret) (b vaultly.Backend, arrived func(ctx context.Context, n int) error)

	// Path, optional, rewrites every path the suite uses, in the Secrets
	// it seeds and in the Refs it reads: a mount or prefix a store needs,
	// or a per-run prefix that keeps runs against a shared store apart.
	// It must map distinct paths to distinct paths.
	Path func(path string) string

	// Prefixes says the backend implements backendkit.PrefixBackend. New
	// is then also given nested secrets (under "/conformance/tree/", and
	// with Failures a failing one under "/conformance/locked/"), and the
	// Prefix check lists them.
	Prefixes bool

	// PrefixKey, optional, rewrites a key the suite expects from
	// GetPrefix (the rest of a path, "/" between nested names, such as
	// "b/d/e") into the key the backend returns, for a store whose names
	// cannot keep the "/" (env returns "b_d_e").
	PrefixKey func(key string) string

	// Keys says the backend implements backendkit.KeyBackend and its
	// ReadsKeys reports true. New is then also given a secret with
	// Object set, whose members the Keys check reads with Ref.Key.
	Keys bool
}

// fixture is one seeded secret, or one path that holds nothing.
type fixture struct {
	name     string // the path is "/conformance/" + name
	versions []string
}

// valueFixtures are the secrets every run seeds: one value each, in the
// shapes a store must return untouched.
func valueFixtures(noEmpty bool) []fixture {
	fs := []fixture{
		{name: "plain", versions: []string{"plain-" + Marker + "-s3cr3t"}},
		{name: "unicode", versions: []string{"pässwörd-日本語-🔑-" + Marker}},
		// Several lines, a trailing newline included.
		{name: "multiline", versions: []string{Marker + "-BEGIN\nline2-" + Marker + "\r\n" + Marker + "-END\n"}},
		{name: "padded", versions: []string{"  \tpadded-" + Marker + " \t "}},
		{name: "symbols", versions: []string{`{"k":"` + Marker + `=&?%:;,'\"\\/<>$(x)*#!~` + "`" + `"}`}},
		// 4,000 bytes: under SSM's 4 KiB limit for a standard parameter.
		{name: "long", versions: []string{strings.Repeat("long-"+Marker+"-", 400)}},
		{name: "space", versions: []string{" "}},
	}
	if !noEmpty {
		fs = append(fs, fixture{name: "empty", versions: []string{""}})
	}
	// More secrets than one request of a chunking store carries (SSM's
	// GetParameters takes ten names).
	for i := range 12 {
		n := fmt.Sprintf("%02d", i)
		fs = append(fs, fixture{name: "many/" + n, versions: []string{"many-" + n + "-" + Marker}})
	}
	return fs
}

// versionedFixture has three versions; seeded when Harness.Versions.
var versionedFixture = fixture{name: "versioned", versions: []string{
	"v1-" + Marker + "-oldest", "v2-" + Marker + "-middle", "v3-" + Marker + "-latest",
}}

// failingFixture is seeded with Secret.Fail when Harness.Failures.
var failingFixture = fixture{name: "failing", versions: []string{"failing-" + Marker}}

// treeFixtures are nested secrets, seeded when Harness.Prefixes: the
// Prefix check lists "tree/" and "tree/b/".
var treeFixtures = []fixture{
	{name: "tree/a", versions: []string{"tree-a-" + Marker}},
	{name: "tree/b/c", versions: []string{"tree-b-c-" + Marker + "\n"}},
	{name: "tree/b/d/e", versions: []string{" tree-b-d-e-" + Marker}},
}

// lockedFixtures are seeded when Harness.Prefixes and Harness.Failures:
// a folder holding one readable secret and one seeded with Fail.
var lockedFixtures = []fixture{
	{name: "locked/open", versions: []string{"locked-open-" + Marker}},
	{name: "locked/secret", versions: []string{"locked-secret-" + Marker}},
}

// objectFixture is a JSON object, seeded with Secret.Object when
// Harness.Keys: the Keys check reads its members.
var objectFixture = fixture{name: "object", versions: []string{
	`{"user":"u-` + Marker + `","password":"p\"w-` + Marker + `","port":5432,` +
		`"nested":{"a":[1,"n-` + Marker + `"]},"empty":"","nul":null,"flag":true}`,
}}

// missingNames are paths that hold nothing: an unrelated path, a sibling
// whose name extends a secret's, a child of a secret, the parent of
// secrets, and a deeper path below that parent.
var missingNames = []string{"missing", "plainx", "plain/child", "", "many/99/deeper"}

// suite is one Run: the harness and the secrets it seeds.
type suite struct {
	h       Harness
	secrets []Secret
	values  map[vaultly.Ref]string // every Ref that must be found
	failing vaultly.Ref            // zero unless h.Failures
	missing []vaultly.Ref          // Refs that must be not found
	found   []vaultly.Ref          // the keys of values, in seeding order
}

func (s *suite) path(name string) string {
	p := "/conformance"
	if name != "" {
		p += "/" + name
	}
	if s.h.Path != nil {
		p = s.h.Path(p)
	}
	return p
}

func newSuite(h Harness) *suite {
	s := &suite{h: h, values: make(map[vaultly.Ref]string)}
	fs := valueFixtures(h.NoEmpty)
	if h.Versions {
		fs = append(fs, versionedFixture)
	}
	for _, f := range fs {
		sec := Secret{Path: s.path(f.name), Versions: f.versions}
		s.secrets = append(s.secrets, sec)
		s.addFound(vaultly.Ref{Path: sec.Path}, sec.Latest())
		if h.Versions {
			for i, v := range f.versions {
				s.addFound(vaultly.Ref{Path: sec.Path, Version: strconv.Itoa(i + 1)}, v)
			}
		}
	}
	if h.Prefixes {
		for _, f := range treeFixtures {
			sec := Secret{Path: s.path(f.name), Versions: f.versions}
			s.secrets = append(s.secrets, sec)
			s.addFound(vaultly.Ref{Path: sec.Path}, sec.Latest())
		}
	}
	if h.Failures {
		sec := Secret{Path: s.path(failingFixture.name), Versions: failingFixture.versions, Fail: true}
		s.secrets = append(s.secrets, sec)
		s.failing = vaultly.Ref{Path: sec.Path}
	}
	if h.Prefixes && h.Failures {
		for _, f := range lockedFixtures {
			s.secrets = append(s.secrets, Secret{Path: s.path(f.name), Versions: f.versions, Fail: f.name == "locked/secret"})
		}
	}
	if h.Keys {
		s.secrets = append(s.secrets, Secret{Path: s.path(objectFixture.name), Versions: objectFixture.versions, Object: true})
	}
	for _, name := range missingNames {
		s.missing = append(s.missing, vaultly.Ref{Path: s.path(name)})
	}
	if h.Versions {
		plain := s.path("plain")
		versioned := s.path(versionedFixture.name)
		s.missing = append(s.missing,
			vaultly.Ref{Path: versioned, Version: "4"},
			vaultly.Ref{Path: versioned, Version: "99"},
			vaultly.Ref{Path: plain, Version: "2"},
			vaultly.Ref{Path: s.path("missing"), Version: "1"},
		)
	}
	return s
}

func (s *suite) addFound(ref vaultly.Ref, v string) {
	if _, ok := s.values[ref]; !ok {
		s.found = append(s.found, ref)
	}
	s.values[ref] = v
}

// copySecrets returns the secrets for one New call, so that a harness that
// modifies them does not affect other subtests.
func (s *suite) copySecrets() []Secret {
	out := make([]Secret, len(s.secrets))
	for i, sec := range s.secrets {
		sec.Versions = append([]string(nil), sec.Versions...)
		out[i] = sec
	}
	return out
}

func (s *suite) newBackend(t *testing.T) vaultly.Backend {
	t.Helper()
	b := s.h.New(t, s.copySecrets())
	if b == nil {
		t.Fatal("backendtest: Harness.New returned a nil backend")
	}
	return b
}

// Run runs the conformance suite against the backend h builds, each check
// in a parallel subtest. See the package documentation for the checks.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil {
		t.Fatal("backendtest: Harness.New is nil")
	}
	s := newSuite(h)
	t.Run("Name", s.testName)
	t.Run("Get", s.testGet)
	t.Run("Versions", s.testVersions)
	t.Run("Batch", s.testBatch)
	t.Run("Failures", s.testFailures)
	t.Run("Concurrent", s.testConcurrent)
	t.Run("Canceled", s.testCanceled)
	t.Run("CanceledDuringCall", s.testCanceledDuringCall)
	t.Run("Prefix", s.testPrefix)
	t.Run("Keys", s.testKeys)
}

// leaks reports whether text holds a seeded value: the marker, or a whole
// value longer than a few bytes.
func (s *suite) leaks(text string) bool {
	if strings.Contains(text, Marker) {
		return true
	}
	for _, sec := range s.secrets {
		for _, v := range sec.Versions {
			if len(strings.TrimSpace(v)) >= 4 && strings.Contains(text, v) {
				return true
			}
		}
	}
	return false
}

// checkText fails the test when err's text holds a seeded value, and
// checks each entry of a BatchError too.
func (s *suite) checkText(t *testing.T, call string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if s.leaks(err.Error()) {
		t.Errorf("%s: the error text holds a secret value: %q", call, err.Error())
	}
	var be *vaultly.BatchError
	if errors.As(err, &be) {
		for ref, e := range be.Errs {
			if e != nil && s.leaks(e.Error()) {
				t.Errorf("%s: the BatchError entry for %v holds a secret value: %q", call, ref, e.Error())
			}
		}
	}
}

// isNotFound reports whether err is a clean not found: ErrNotFound and no
// other kind.
func isNotFound(err error) bool {
	return errors.Is(err, vaultly.ErrNotFound) &&
		!errors.Is(err, vaultly.ErrTransient) && !errors.Is(err, vaultly.ErrAuth) && !errors.Is(err, vaultly.ErrConfig)
}

// isFailure reports whether err is a classified failure other than not
// found.
func isFailure(err error) bool {
	if err == nil || errors.Is(err, vaultly.ErrNotFound) {
		return false
	}
	return errors.Is(err, vaultly.ErrAuth) || errors.Is(err, vaultly.ErrTransient) || errors.Is(err, vaultly.ErrConfig)
}

// isCanceled reports whether err is a cancellation that matches want
// (context.Canceled or context.DeadlineExceeded) and no kind.
func isCanceled(err, want error) bool {
	return errors.Is(err, want) && vaultly.KindOf(err) == "canceled"
}

// kindText describes err for a failure message.
func kindText(err error) string {
	if err == nil {
		return "nil error"
	}
	return fmt.Sprintf("%s error %q", vaultly.KindOf(err), err.Error())
}

// checkOutcome checks one answer for ref, from Get or from a batch read
// with backendkit.BatchResult, against what was seeded.
func (s *suite) checkOutcome(t *testing.T, call string, ref vaultly.Ref, got string, err error) {
	t.Helper()
	s.checkText(t, call, err)
	switch want, found := s.values[ref]; {
	case s.h.Failures && ref == s.failing:
		if !isFailure(err) {
			t.Errorf("%s: %v: got %q, %s; want a classified failure other than ErrNotFound (the secret is seeded with Fail)",
				call, ref, got, kindText(err))
		}
	case found:
		if err != nil {
			t.Errorf("%s: %v: got %s; want the value %q", call, ref, kindText(err), want)
		} else if got != want {
			t.Errorf("%s: %v: got %q; want %q", call, ref, got, want)
		}
	default:
		if !isNotFound(err) {
			t.Errorf("%s: %v: got %q, %s; want an error matching ErrNotFound and no other kind", call, ref, got, kindText(err))
		}
	}
}
