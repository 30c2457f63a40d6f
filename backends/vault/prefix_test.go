package vault_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

var _ backendkit.PrefixBackend = (*vault.Backend)(nil)

// prefixServer holds a tree under app/ on a KV mount of version v.
func prefixServer(t *testing.T, v int) *vaulttest.Server {
	t.Helper()
	srv := vaulttest.NewServer(t, vaulttest.WithKVVersion(v))
	srv.Put("app/flags/beta", map[string]any{"value": true})
	srv.Put("app/flags/team/a", map[string]any{"value": "team-a-val", "other": "x"})
	srv.Put("app/flags/team/deep/b", map[string]any{"value": 3})
	srv.Put("app/flags/nokey", map[string]any{"other": "x"})
	srv.Put("app/flags/nul", map[string]any{"value": nil})
	srv.Put("app/flagship", map[string]any{"value": "not under app/flags/"})
	srv.Put("app/db", map[string]any{"value": "db-pw-val"})
	if v == 2 {
		srv.Put("app/flags/gone", map[string]any{"value": "deleted"})
		srv.Delete("app/flags/gone")
	}
	return srv
}

// GetPrefix walks sub-folders and returns each entry's default key; an
// entry Get would not find is left out.
func TestGetPrefix(t *testing.T) {
	t.Parallel()
	want := map[string]string{"beta": "true", "team/a": "team-a-val", "team/deep/b": "3"}
	for _, v := range []int{1, 2} {
		for _, tc := range []struct {
			prefix string
			want   map[string]string
		}{
			{"/app/flags/", want},
			{"app/flags/", want},
			{"/app/flags/team/", map[string]string{"a": "team-a-val", "deep/b": "3"}},
			{"/app/none/", map[string]string{}},
			{"/app/db/", map[string]string{}}, // an entry, not a folder
			{"/", map[string]string{"app/db": "db-pw-val", "app/flagship": "not under app/flags/", "app/flags/beta": "true",
				"app/flags/team/a": "team-a-val", "app/flags/team/deep/b": "3"}},
		} {
			t.Run(fmt.Sprintf("v%d %s", v, tc.prefix), func(t *testing.T) {
				t.Parallel()
				srv := prefixServer(t, v)
				b := newBackend(t, srv, vault.WithKVVersion(v))
				got, err := b.GetPrefix(context.Background(), tc.prefix, 100)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("GetPrefix (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// WithDefaultKey decides which field a listed entry gives.
func TestGetPrefixDefaultKey(t *testing.T) {
	t.Parallel()
	srv := prefixServer(t, 2)
	b := newBackend(t, srv, vault.WithDefaultKey("other"))
	got, err := b.GetPrefix(context.Background(), "/app/flags/", 100)
	if diff := cmp.Diff(map[string]string{"team/a": "x", "nokey": "x"}, got); err != nil || diff != "" {
		t.Errorf("GetPrefix: %v (-want +got):\n%s", err, diff)
	}
}

// The requests: one LIST per folder on the metadata endpoint (KV v2) or
// the mount's path (KV v1), then one read per entry.
func TestGetPrefixRequests(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v                int
		lists, readPaths []string
	}{
		{2, []string{"/v1/secret/metadata/app/flags/team/", "/v1/secret/metadata/app/flags/team/deep/"},
			[]string{"/v1/secret/data/app/flags/team/a", "/v1/secret/data/app/flags/team/deep/b"}},
		{1, []string{"/v1/secret/app/flags/team/", "/v1/secret/app/flags/team/deep/"},
			[]string{"/v1/secret/app/flags/team/a", "/v1/secret/app/flags/team/deep/b"}},
	} {
		srv := prefixServer(t, tc.v)
		b := newBackend(t, srv, vault.WithKVVersion(tc.v), vault.WithConcurrency(1))
		srv.ResetCounts()
		if _, err := b.GetPrefix(context.Background(), "/app/flags/team/", 100); err != nil {
			t.Fatal(err)
		}
		var lists, reads []string
		for _, r := range srv.Requests() {
			switch {
			case r.Query == "list=true" && r.Method == http.MethodGet:
				lists = append(lists, strings.TrimSuffix(r.Path, "/")+"/")
			case r.Method == http.MethodGet:
				reads = append(reads, r.Path)
			}
		}
		if diff := cmp.Diff(tc.lists, lists); diff != "" {
			t.Errorf("v%d: LISTs (-want +got):\n%s", tc.v, diff)
		}
		if diff := cmp.Diff(tc.readPaths, reads); diff != "" {
			t.Errorf("v%d: reads (-want +got):\n%s", tc.v, diff)
		}
	}
}

// Past max, GetPrefix returns max+1 entries and reads no more than it
// needs to.
func TestGetPrefixMax(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	for i := range 30 {
		srv.Put(fmt.Sprintf("many/%02d", i), map[string]any{"value": fmt.Sprint(i)})
	}
	srv.Put("many/sub/x", map[string]any{"value": "x"})
	b := newBackend(t, srv)
	for _, max := range []int{0, 1, 5, 30, 31, 100} {
		srv.ResetCounts()
		got, err := b.GetPrefix(context.Background(), "/many/", max)
		if err != nil {
			t.Fatal(err)
		}
		if want := min(max+1, 31); len(got) != want {
			t.Errorf("max %d: %d entries, want %d", max, len(got), want)
		}
		for k, v := range got {
			if k != "sub/x" && v != strings.TrimLeft(k, "0") && !(k == "00" && v == "0") {
				t.Errorf("max %d: %q = %q", max, k, v)
			}
		}
		if n := srv.TotalReads(); n != min(max+1, 31) {
			t.Errorf("max %d: %d reads, want %d", max, n, min(max+1, 31))
		}
	}
}

// A failure to list, or to read an entry (other than not found), fails
// the whole call with its kind and the prefix's Ref; a bad prefix is a
// configuration error.
func TestGetPrefixErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		prefix string
		fault  *vaulttest.Fault
		denied string
		kind   error
		text   string
	}{
		{name: "no trailing slash", prefix: "/app/flags", kind: vaultly.ErrConfig, text: `must end in "/"`},
		{name: "dot segment", prefix: "/app/../sys/", kind: vaultly.ErrConfig},
		{name: "LIST denied", prefix: "/app/flags/", fault: &vaulttest.Fault{Path: "app/flags", Status: 403}, kind: vaultly.ErrAuth},
		{name: "LIST sealed", prefix: "/app/flags/", fault: &vaulttest.Fault{Path: "app/flags/team", Status: 503}, kind: vaultly.ErrTransient},
		{name: "entry denied", prefix: "/app/flags/", denied: "app/flags/team/a", kind: vaultly.ErrAuth, text: "reading the entry app/flags/team/a"},
		{name: "entry unavailable", prefix: "/app/flags/", fault: &vaulttest.Fault{Path: "app/flags/beta", Status: 500}, kind: vaultly.ErrTransient},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := prefixServer(t, 2)
			if tc.fault != nil {
				srv.Inject(*tc.fault)
			}
			c := srv.Client()
			if tc.denied != "" {
				c.SetToken(srv.IssueToken(tc.denied))
			}
			b := newBackendWithClient(t, c)
			got, err := b.GetPrefix(context.Background(), tc.prefix, 100)
			var be *vaultly.BackendError
			if !errors.Is(err, tc.kind) || !errors.As(err, &be) || be.Ref != (vaultly.Ref{Path: tc.prefix}) || got != nil {
				t.Fatalf("GetPrefix = %v, %v; want %v naming the prefix", got, err, tc.kind)
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Errorf("err = %v, want it to contain %q", err, tc.text)
			}
			noValue(t, err, "team-a-val", "db-pw-val")
		})
	}
}

// A LIST answer with a name that would leave the prefix is refused.
func TestGetPrefixBadListing(t *testing.T) {
	t.Parallel()
	srv := prefixServer(t, 2)
	cfg := srv.Client().CloneConfig()
	next := cfg.HttpClient.Transport
	cfg.HttpClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Query().Get("list") == "true" {
			return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Request: r,
				Body: readCloser(`{"data":{"keys":["ok","../../sys/x"]}}`)}, nil
		}
		return next.RoundTrip(r)
	})}
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(srv.RootToken())
	b := newBackendWithClient(t, c)
	srv.ResetCounts()
	if _, err := b.GetPrefix(context.Background(), "/app/flags/", 100); !errors.Is(err, vaultly.ErrTransient) || strings.Contains(err.Error(), "sys") {
		t.Errorf("err = %v, want ErrTransient not quoting the name", err)
	}
	if n := srv.TotalReads(); n != 0 {
		t.Errorf("reads = %d, want 0", n)
	}
}

// A cancelled context ends GetPrefix with the context's error.
func TestGetPrefixCanceled(t *testing.T) {
	t.Parallel()
	srv := prefixServer(t, 2)
	hold := make(chan struct{})
	t.Cleanup(func() { close(hold) })
	srv.Inject(vaulttest.Fault{Path: "app/flags/team/a", Hold: hold})
	cfg := srv.Client().CloneConfig()
	next := cfg.HttpClient.Transport
	held := make(chan struct{}, 1)
	cfg.HttpClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Path == "/v1/secret/data/app/flags/team/a" {
			held <- struct{}{}
		}
		return next.RoundTrip(r)
	})}
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(srv.RootToken())
	b := newBackendWithClient(t, c)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := b.GetPrefix(ctx, "/app/flags/", 100)
		done <- err
	}()
	<-held
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) || errors.Is(err, vaultly.ErrTransient) {
		t.Errorf("err = %v, want context.Canceled and no kind", err)
	}
}
