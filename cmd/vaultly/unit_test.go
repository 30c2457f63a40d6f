package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

// The documented fingerprints: "s3cret" in docs/cli.md, "s3cr3t" in
// README.md.
func TestFingerprint(t *testing.T) {
	t.Parallel()
	for value, want := range map[string]string{"s3cret": "23306da5", "s3cr3t": "6a3c7e79"} {
		if got := fingerprint(value); got != want {
			t.Errorf("fingerprint(%s) = %s, want the documented %s", value, got, want)
		}
	}
	if fingerprint("a") == fingerprint("b") {
		t.Error("two values, one fingerprint")
	}
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	be := func(kind error) error { return &vaultly.BackendError{Backend: "x", Kind: kind} }
	tests := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errors.New("boom"), exitFailure},
		{context.Canceled, exitFailure},
		{usageError("u"), exitUsage},
		{be(vaultly.ErrConfig), exitConfig},
		{be(vaultly.ErrNotFound), exitNotFound},
		{be(vaultly.ErrAuth), exitAuth},
		{be(vaultly.ErrTransient), exitTransient},
		{&exitError{code: 127}, 127},
		{fmt.Errorf("wrapped: %w", be(vaultly.ErrAuth)), exitAuth},
		// several failures: configuration, then access denied, then not found, then transient
		{errors.Join(be(vaultly.ErrTransient), be(vaultly.ErrNotFound)), exitNotFound},
		{errors.Join(be(vaultly.ErrNotFound), be(vaultly.ErrAuth), be(vaultly.ErrTransient)), exitAuth},
		{errors.Join(be(vaultly.ErrAuth), be(vaultly.ErrConfig)), exitConfig},
		// interrupted while other reads had failed: interrupted decides
		{errors.Join(be(vaultly.ErrNotFound), backendkit.NewCanceledError("x", vaultly.Ref{Path: "/a"}, context.Canceled, nil)), exitFailure},
		{&vaultly.BackendError{Backend: "x", Kind: vaultly.ErrTransient, Err: context.Canceled}, exitFailure},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

// report prints one line per error, even when an error's text spans lines.
func TestReport(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	err := errors.Join(errors.New("first\n second"), &vaultly.BackendError{Backend: "env", Kind: vaultly.ErrNotFound, Ref: vaultly.Ref{Path: "/a"}})
	if code := report(&buf, err); code != exitNotFound {
		t.Errorf("code %d", code)
	}
	want := "vaultly: first\nvaultly: second\nvaultly: env: /a: secret not found\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	buf.Reset()
	report(&buf, fmt.Errorf("x: %w", context.Canceled))
	if buf.String() != "vaultly: interrupted\n" {
		t.Errorf("canceled: %q", buf.String())
	}
}

func TestParseBinding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want binding
	}{
		{"PW=/db/password", binding{"PW", vaultly.Ref{Path: "/db/password"}}},
		{"_x1=/db", binding{"_x1", vaultly.Ref{Path: "/db"}}},
		{"PW=/db#password", binding{"PW", vaultly.Ref{Path: "/db", Key: "password"}}},
		{"PW=/db@3", binding{"PW", vaultly.Ref{Path: "/db", Version: "3"}}},
		{"PW=/db@prod#password", binding{"PW", vaultly.Ref{Path: "/db", Version: "prod", Key: "password"}}},
		{"PW=db/prod:password", binding{"PW", vaultly.Ref{Path: "db/prod:password"}}},
		{"PW=/a=b", binding{"PW", vaultly.Ref{Path: "/a=b"}}},
	}
	for _, tt := range tests {
		got, err := parseBinding(tt.in)
		if err != nil {
			t.Errorf("parseBinding(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(binding{})); diff != "" {
			t.Errorf("parseBinding(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
	for _, bad := range []string{"", "PW", "=/a", "1PW=/a", "P-W=/a", "PW=", "PW=#k", "PW=/a#", "PW=/a@", "PW=@1"} {
		if _, err := parseBinding(bad); exitCode(err) != exitUsage {
			t.Errorf("parseBinding(%q) = %v, want a usage error", bad, err)
		}
	}
}

func TestMergeEnv(t *testing.T) {
	t.Parallel()
	got := mergeEnv([]string{"A=1", "B=2", "PATH=/bin", "C=x=y"}, map[string]string{"B": "new", "D": "d"})
	want := []string{"A=1", "PATH=/bin", "C=x=y", "B=new", "D=d"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// fakeStore counts the calls read makes; it batches when batch is set, and
// reads keys itself when keys is set.
type fakeStore struct {
	mu      sync.Mutex
	values  map[vaultly.Ref]string
	keys    bool
	gets    []vaultly.Ref
	batches [][]vaultly.Ref
}

func (f *fakeStore) Get(_ context.Context, ref vaultly.Ref) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets = append(f.gets, ref)
	if v, ok := f.values[ref]; ok {
		return v, nil
	}
	return "", &vaultly.BackendError{Backend: "fake", Kind: vaultly.ErrNotFound, Ref: ref}
}

func (f *fakeStore) ReadsKeys() bool { return f.keys }

type batchStore struct{ *fakeStore }

func (b batchStore) GetBatch(_ context.Context, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.batches = append(b.batches, refs)
	out := map[vaultly.Ref]string{}
	for _, r := range refs {
		if v, ok := b.values[r]; ok {
			out[r] = v
		}
	}
	return out, nil
}

func TestRead(t *testing.T) {
	t.Parallel()
	doc := vaultly.Ref{Path: "/db"}
	pw := vaultly.Ref{Path: "/db", Key: "password"}
	user := vaultly.Ref{Path: "/db", Key: "user"}
	other := vaultly.Ref{Path: "/other"}
	values := map[vaultly.Ref]string{
		doc:   `{"user":"app","password":"pw"}`,
		other: "o",
		pw:    "pw-from-backend",
	}

	// A backend that does not read keys is asked for the document once;
	// the members are taken here.
	f := &fakeStore{values: values}
	got, err := read(t.Context(), f, []vaultly.Ref{pw, user, other})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[vaultly.Ref]string{pw: "pw", user: "app", other: "o"}, got); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]vaultly.Ref{doc, other}, f.gets); diff != "" {
		t.Errorf("gets (-want +got):\n%s", diff)
	}

	// A backend that reads keys gets the keyed Ref, in one batch.
	k := batchStore{&fakeStore{values: values, keys: true}}
	got, err = read(t.Context(), k, []vaultly.Ref{pw, other})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[vaultly.Ref]string{pw: "pw-from-backend", other: "o"}, got); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	if len(k.gets) != 0 || len(k.batches) != 1 {
		t.Errorf("%d gets and %d batches, want one batch", len(k.gets), len(k.batches))
	}

	// Every failure is reported, each once.
	missing := vaultly.Ref{Path: "/missing"}
	_, err = read(t.Context(), batchStore{&fakeStore{values: values}}, []vaultly.Ref{missing, missing, {Path: "/db", Key: "nope"}, other})
	if exitCode(err) != exitNotFound || strings.Count(err.Error(), "\n") != 1 ||
		!strings.Contains(err.Error(), "/missing") || !strings.Contains(err.Error(), "/db#nope") {
		t.Errorf("err = %q, want two not-found lines", err)
	}
}

// A backend that cannot list is a configuration error for ls and exec
// --prefix.
func TestListCannotList(t *testing.T) {
	t.Parallel()
	b := backendkit.Func(func(context.Context, vaultly.Ref) (string, error) { return "", nil })
	_, err := list(t.Context(), b, "/a/", 10)
	if exitCode(err) != exitConfig || !strings.Contains(err.Error(), "cannot list") {
		t.Errorf("err = %v", err)
	}
}

func TestReserved(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"LD_PRELOAD": true, "LD_LIBRARY_PATH": true, "DYLD_INSERT_LIBRARIES": true, "PATH": true,
		"BASH_ENV": true, "NODE_OPTIONS": true, "PYTHONPATH": true, "GODEBUG": true,
		"DB_PASSWORD": false, "API_TOKEN": false, "PATH_PREFIX": false, "OLD_PATH": false, "LD": false,
	} {
		if got := reserved(name); got != want {
			t.Errorf("reserved(%q) = %v, want %v", name, got, want)
		}
	}
}
