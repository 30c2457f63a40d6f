package secretsmanager_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/secretsmanager"
	"github.com/vaultly/vaultly/backends/secretsmanager/smtest"
)

func TestGetPrefix(t *testing.T) {
	t.Parallel()
	b, srv := newBackend(t)
	want := map[string]string{}
	for i := range 250 { // 13 pages of 20
		k := fmt.Sprintf("k%03d", i)
		srv.Put("app/prod/"+k, "v-"+k)
		want[k] = "v-" + k
	}
	srv.Put("app/prod/db/user", "u")
	want["db/user"] = "u"
	srv.PutBinary("app/prod/tls/key", []byte{0xff})
	want["tls/key"] = "\xff"
	old := srv.Put("app/prod/rotated", "old")
	srv.Put("app/prod/rotated", "new")
	want["rotated"] = "new"
	_ = old
	srv.Put("app/prodx", "not under the folder")
	srv.Put("App/prod/k000", "another case")
	srv.Put("app/prod/gone", "x")
	srv.ScheduleDeletion("app/prod/gone")
	srv.Put("other/app/prod/k000", "elsewhere")

	got, err := b.GetPrefix(t.Context(), "app/prod/", 10_000)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetPrefix (-want +got):\n%s", diff)
	}
	// 253 secrets, 20 a page: 13 pages, each following the last NextToken.
	calls := pages(srv.Calls())
	if len(calls) != 13 {
		t.Fatalf("%d calls, want 13", len(calls))
	}
	for i, c := range calls {
		if c.Op != smtest.OpBatchGetSecretValue || len(c.IDs) != 0 || !cmp.Equal(c.Filters, []string{"app/prod/"}) {
			t.Errorf("call %d: %+v", i, c)
		}
		if (i == 0) != (c.NextToken == "") {
			t.Errorf("call %d: NextToken %q", i, c.NextToken)
		}
	}
}

// The name filter may match more than the folder (app/prod matches
// app/prodx): only names that begin with the prefix are kept.
func TestGetPrefixKeepsOnlyThePrefix(t *testing.T) {
	t.Parallel()
	b, srv := newBackend(t)
	srv.Put("app/prod", "the folder's own name")
	srv.Put("app/prodx", "x")
	srv.Put("app/prod/a", "A")
	got, err := b.GetPrefix(t.Context(), "app/prod", 10)
	if err != nil {
		t.Fatal(err)
	}
	// A prefix without "/" is still a prefix of names.
	if diff := cmp.Diff(map[string]string{"x": "x", "/a": "A"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestGetPrefixEmptyAndBounded(t *testing.T) {
	t.Parallel()
	b, srv := newBackend(t)
	for i := range 70 {
		srv.Put(fmt.Sprintf("many/%02d", i), "v")
	}
	got, err := b.GetPrefix(t.Context(), "none/", 10)
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("nothing under the prefix: %v, %v; want an empty map and no error", got, err)
	}
	srv.ResetCounts()
	got, err = b.GetPrefix(t.Context(), "many/", 25)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) <= 25 || len(got) > 40 {
		t.Errorf("%d entries, want more than the bound (25) and no more than two pages", len(got))
	}
	if n := len(pages(srv.Calls())); n != 2 {
		t.Errorf("%d pages read, want 2: it stops past the bound", n)
	}
	got, err = b.GetPrefix(t.Context(), "many/", 0)
	if err != nil || len(got) != 70 {
		t.Errorf("max 0: %d entries, %v; want all 70", len(got), err)
	}
}

func TestGetPrefixErrors(t *testing.T) {
	t.Parallel()
	b, srv := newBackend(t)
	srv.Put("app/a", "A")
	srv.Put("app/locked", "very-secret-value")
	srv.FailSecret("app/locked", "AccessDeniedException")
	_, err := b.GetPrefix(t.Context(), "app/", 10)
	if k := kindName(err); k != "auth" {
		t.Errorf("a denied secret under the prefix: %v, kind %s; want auth", err, k)
	}
	if err != nil && (!strings.Contains(err.Error(), "app/locked") || strings.Contains(err.Error(), "very-secret-value")) {
		t.Errorf("error %q: want it to name app/locked and not quote its value", err)
	}
	var be *vaultly.BackendError
	if !errors.As(err, &be) || be.Ref != (vaultly.Ref{Path: "app/"}) {
		t.Errorf("error %#v does not name the prefix", err)
	}

	for _, p := range []string{"", "app/*", "!app/", "päth/", strings.Repeat("x", 513)} {
		_, err := b.GetPrefix(t.Context(), p, 10)
		if k := kindName(err); k != "config" {
			t.Errorf("GetPrefix(%.20q): %v, kind %s; want config", p, err, k)
		}
	}
	if n := srv.Requests(smtest.OpBatchGetSecretValue); n != 1 {
		t.Errorf("%d requests, want 1 (bad prefixes are refused before a call)", n)
	}
}

// The service may answer a page with no secret and a NextToken: GetPrefix
// follows it to the end.
func TestGetPrefixShortAndEmptyPages(t *testing.T) {
	t.Parallel()
	srv := smtest.NewServer(t, smtest.WithPageSizes(0, 0, 7, 0, 2))
	b, err := secretsmanager.New(secretsmanager.WithClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for i := range 30 {
		k := fmt.Sprintf("%02d", i)
		srv.Put("s/"+k, "v"+k)
		want[k] = "v" + k
	}
	got, err := b.GetPrefix(t.Context(), "s/", 100)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// 9 secrets every 5 pages: 27 in 15 pages, then two empty pages and
	// one holding the last 3.
	if n := srv.Requests(smtest.OpBatchGetSecretValue); n != 18 {
		t.Errorf("%d pages, want 18", n)
	}
}

// pages returns calls without the SDK's retries: a call that repeats the
// one before it (the same operation, filters and NextToken) is the same
// page asked again after a timeout, which a loaded machine can cause.
func pages(calls []smtest.Call) []smtest.Call {
	var out []smtest.Call
	for _, c := range calls {
		if n := len(out); n > 0 && out[n-1].Op == c.Op && out[n-1].NextToken == c.NextToken &&
			cmp.Equal(out[n-1].Filters, c.Filters) && cmp.Equal(out[n-1].IDs, c.IDs) {
			continue
		}
		out = append(out, c)
	}
	return out
}
