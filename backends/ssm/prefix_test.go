package ssm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	ssmsdk "github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/google/go-cmp/cmp"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/ssm"
	"github.com/vaultly/vaultly/backends/ssm/ssmtest"
)

// doerFunc is an HTTP client made of a function.
type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// prefixBackend is a backend on a server made with opts, over the
// in-process transport, and the bodies of every request it sent.
func prefixBackend(t *testing.T, srvOpts []ssmtest.Option, opts ...ssm.Option) (*ssm.Backend, *ssmtest.Server, func() []map[string]any) {
	t.Helper()
	srv := ssmtest.NewServer(t, srvOpts...)
	var (
		mu     sync.Mutex
		bodies []map[string]any
	)
	hc := &http.Client{Transport: srv.Transport()}
	client := srv.Client(func(o *ssmsdk.Options) {
		o.HTTPClient = doerFunc(func(r *http.Request) (*http.Response, error) {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				return nil, err
			}
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				t.Errorf("request body: %v", err)
			}
			mu.Lock()
			bodies = append(bodies, m)
			mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(body))
			return hc.Do(r)
		})
	})
	b, err := ssm.New(append([]ssm.Option{ssm.WithClient(client)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return b, srv, func() []map[string]any {
		mu.Lock()
		defer mu.Unlock()
		return append([]map[string]any(nil), bodies...)
	}
}

func TestGetPrefix(t *testing.T) {
	t.Parallel()
	b, srv, bodies := prefixBackend(t, nil)
	srv.Put("/app/flags/a", "1")
	srv.Put("/app/flags/b/c", "2")
	srv.Put("/app/flags/b/d/e", "3")
	srv.PutSecure("/app/flags/secret", "s3cr3t")
	srv.PutStringList("/app/flags/list", "x", "y")
	srv.Put("/app/flags/a2", "old")
	srv.Put("/app/flags/a2", "new") // the listing gives the latest version
	srv.Put("/app/flagsx/z", "not under /app/flags/")
	srv.Put("/app/other", "not under /app/flags/")

	tests := []struct {
		prefix string
		want   map[string]string
		path   string // the Path sent
	}{
		{prefix: "/app/flags/", path: "/app/flags", want: map[string]string{
			"a": "1", "a2": "new", "b/c": "2", "b/d/e": "3", "secret": "s3cr3t", "list": "x,y"}},
		{prefix: "/app/flags/b/", path: "/app/flags/b", want: map[string]string{"c": "2", "d/e": "3"}},
		{prefix: "/app/flags/b/d/e/", path: "/app/flags/b/d/e", want: map[string]string{}}, // a parameter, not a folder
		{prefix: "/app/missing/", path: "/app/missing", want: map[string]string{}},
		{prefix: "/app/", path: "/app", want: map[string]string{
			"flags/a": "1", "flags/a2": "new", "flags/b/c": "2", "flags/b/d/e": "3", "flags/secret": "s3cr3t",
			"flags/list": "x,y", "flagsx/z": "not under /app/flags/", "other": "not under /app/flags/"}},
		{prefix: "/", path: "/", want: map[string]string{
			"app/flags/a": "1", "app/flags/a2": "new", "app/flags/b/c": "2", "app/flags/b/d/e": "3", "app/flags/secret": "s3cr3t",
			"app/flags/list": "x,y", "app/flagsx/z": "not under /app/flags/", "app/other": "not under /app/flags/"}},
	}
	for _, tt := range tests {
		before := len(bodies())
		got, err := b.GetPrefix(t.Context(), tt.prefix, 10_000)
		if err != nil {
			t.Errorf("GetPrefix(%q): %v", tt.prefix, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("GetPrefix(%q) (-want +got):\n%s", tt.prefix, diff)
		}
		sent := bodies()[before:]
		want := []map[string]any{{"Path": tt.path, "Recursive": true, "WithDecryption": true, "MaxResults": float64(10)}}
		if diff := cmp.Diff(want, sent); diff != "" {
			t.Errorf("GetPrefix(%q) requests (-want +got):\n%s", tt.prefix, diff)
		}
	}
}

// Every page is followed, each with the NextToken of the one before,
// whether the pages are full, short or empty.
func TestGetPrefixPaging(t *testing.T) {
	t.Parallel()
	const n = 105 // 11 full pages
	tests := []struct {
		name      string
		srvOpts   []ssmtest.Option
		wantPages int
	}{
		{name: "full pages", wantPages: 11},
		{name: "short and empty pages", srvOpts: []ssmtest.Option{ssmtest.WithPageSizes(3, 0, 10, 1)}, wantPages: 31},
		{name: "one result a page", srvOpts: []ssmtest.Option{ssmtest.WithPageSizes(1)}, wantPages: n},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, srv, bodies := prefixBackend(t, tt.srvOpts)
			want := map[string]string{}
			for i := range n {
				key := fmt.Sprintf("k%03d", i)
				if i%7 == 0 {
					key = fmt.Sprintf("sub%d/k%03d", i%3, i)
				}
				srv.Put("/many/"+key, "v-"+key)
				want[key] = "v-" + key
			}
			got, err := b.GetPrefix(t.Context(), "/many/", 10_000)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
			sent := bodies()
			if len(sent) != tt.wantPages {
				t.Fatalf("%d requests, want %d pages", len(sent), tt.wantPages)
			}
			tokens := map[any]bool{}
			for i, body := range sent {
				tok, has := body["NextToken"]
				if has == (i == 0) {
					t.Errorf("request %d: NextToken %v; want one on every request but the first", i, tok)
				}
				if has && tokens[tok] {
					t.Errorf("request %d: NextToken %v sent twice", i, tok)
				}
				tokens[tok] = true
			}
		})
	}
}

// Paging stops once more than max entries are held, and the answer shows
// it by holding more than max.
func TestGetPrefixBound(t *testing.T) {
	t.Parallel()
	b, srv, bodies := prefixBackend(t, nil)
	for i := range 105 {
		srv.Put(fmt.Sprintf("/many/k%03d", i), "v")
	}
	tests := []struct {
		max, wantLen, wantPages int
	}{
		{max: 1, wantLen: 10, wantPages: 1},
		{max: 9, wantLen: 10, wantPages: 1},
		{max: 10, wantLen: 20, wantPages: 2},
		{max: 25, wantLen: 30, wantPages: 3},
		{max: 104, wantLen: 105, wantPages: 11},
		{max: 105, wantLen: 105, wantPages: 11},
		{max: 10_000, wantLen: 105, wantPages: 11},
	}
	for _, tt := range tests {
		before := len(bodies())
		got, err := b.GetPrefix(t.Context(), "/many/", tt.max)
		if err != nil {
			t.Errorf("max %d: %v", tt.max, err)
			continue
		}
		if pages := len(bodies()) - before; len(got) != tt.wantLen || pages != tt.wantPages {
			t.Errorf("max %d: %d entries in %d pages, want %d in %d", tt.max, len(got), pages, tt.wantLen, tt.wantPages)
		}
	}
}

func TestGetPrefixErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		prefix   string
		fault    *ssmtest.Fault
		wantKind string
		wantText string
		wantReqs int
	}{
		{name: "no leading slash", prefix: "app/flags/", wantKind: "config", wantText: `begin and end with "/"`},
		{name: "no trailing slash", prefix: "/app/flags", wantKind: "config", wantText: `begin and end with "/"`},
		{name: "empty", prefix: "", wantKind: "config", wantText: `begin and end with "/"`},
		{name: "too long", prefix: "/" + strings.Repeat("x", 2048) + "/", wantKind: "config", wantText: "longer than 2048"},
		{name: "denied", prefix: "/app/flags/", fault: ptr(ssmtest.AccessDenied()), wantKind: "auth", wantText: "ssm:GetParametersByPath", wantReqs: 1},
		{name: "throttled", prefix: "/app/flags/", fault: ptr(ssmtest.Throttling()), wantKind: "transient", wantText: "ThrottlingException", wantReqs: 3},
		{name: "server error", prefix: "/app/flags/", fault: ptr(ssmtest.InternalError()), wantKind: "transient", wantText: "InternalServerError", wantReqs: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, srv, _ := prefixBackend(t, nil)
			srv.PutSecure("/app/flags/a", "s3cr3t-value")
			if tt.fault != nil {
				srv.Inject(*tt.fault)
			}
			got, err := b.GetPrefix(t.Context(), tt.prefix, 10_000)
			if k := kindName(err); k != tt.wantKind || got != nil {
				t.Errorf("GetPrefix = %v, %v (%s); want no map and %s", got, err, k, tt.wantKind)
			}
			if err != nil && (!strings.Contains(err.Error(), tt.wantText) || strings.Contains(err.Error(), "s3cr3t")) {
				t.Errorf("error %q: want it to say %q and no value", err, tt.wantText)
			}
			if err != nil && (!strings.HasPrefix(err.Error(), "ssm: ") || !strings.Contains(err.Error(), tt.prefix)) {
				t.Errorf("error %q does not name the backend and the prefix", err)
			}
			if n := srv.Requests(ssmtest.OpGetParametersByPath); n != tt.wantReqs {
				t.Errorf("%d requests, want %d", n, tt.wantReqs)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// A failure on a later page fails the whole listing: no partial map.
func TestGetPrefixFailsOnALaterPage(t *testing.T) {
	t.Parallel()
	srv := ssmtest.NewServer(t)
	for i := range 25 {
		srv.Put(fmt.Sprintf("/many/k%03d", i), "v")
	}
	hc := &http.Client{Transport: srv.Transport()}
	var calls int
	client := srv.Client(ssmtest.WithMaxAttempts(1), func(o *ssmsdk.Options) {
		o.HTTPClient = doerFunc(func(r *http.Request) (*http.Response, error) {
			if calls++; calls == 2 {
				srv.Inject(ssmtest.AccessDenied().Times(1))
			}
			return hc.Do(r)
		})
	})
	b, err := ssm.New(ssm.WithClient(client))
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.GetPrefix(t.Context(), "/many/", 10_000)
	if !errors.Is(err, vaultly.ErrAuth) || got != nil {
		t.Errorf("GetPrefix = %d entries, %v; want nil and ErrAuth", len(got), err)
	}
	if calls != 2 {
		t.Errorf("%d requests, want 2 (the listing stops at the failed page)", calls)
	}
}

// A server that breaks the listing cannot make GetPrefix loop forever,
// panic, or return a value without a name.
func TestGetPrefixMisbehavingServer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		page     func(n int) string // the n-th answer's body (from 1)
		wantKind string
		wantText string
		want     map[string]string
		maxPages int
	}{
		{
			name:     "the same NextToken again",
			page:     func(int) string { return `{"Parameters":[{"Name":"/p/a","Value":"1"}],"NextToken":"same"}` },
			wantKind: "transient", wantText: "NextToken it had already returned", maxPages: 2,
		},
		{
			name:     "endless empty pages",
			page:     func(n int) string { return fmt.Sprintf(`{"Parameters":[],"NextToken":"t%d"}`, n) },
			wantKind: "transient", wantText: "100 empty", maxPages: 100,
		},
		{
			name: "a few empty pages",
			page: func(n int) string {
				if n < 5 {
					return fmt.Sprintf(`{"Parameters":[],"NextToken":"t%d"}`, n)
				}
				return `{"Parameters":[{"Name":"/p/a","Value":"1"}]}`
			},
			wantKind: "ok", want: map[string]string{"a": "1"}, maxPages: 5,
		},
		{
			name:     "a parameter without a value",
			page:     func(int) string { return `{"Parameters":[{"Name":"/p/a"}]}` },
			wantKind: "transient", wantText: "without a value", maxPages: 1,
		},
		{
			name: "names outside the prefix are left out",
			page: func(int) string {
				return `{"Parameters":[{"Name":"/other/x","Value":"1"},{"Name":"/p/","Value":"2"},{"Value":"3"},{"Name":"/p/b","Value":"4"}]}`
			},
			wantKind: "ok", want: map[string]string{"b": "4"}, maxPages: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := ssmtest.NewServer(t)
			pages := 0
			client := srv.Client(func(o *ssmsdk.Options) {
				o.HTTPClient = doerFunc(func(r *http.Request) (*http.Response, error) {
					pages++
					return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/x-amz-json-1.1"}},
						Body: io.NopCloser(strings.NewReader(tt.page(pages))), Request: r}, nil
				})
			})
			b, err := ssm.New(ssm.WithClient(client))
			if err != nil {
				t.Fatal(err)
			}
			got, err := b.GetPrefix(t.Context(), "/p/", 10_000)
			if k := kindName(err); k != tt.wantKind || (err != nil && !strings.Contains(err.Error(), tt.wantText)) {
				t.Errorf("error %v (%s), want %s saying %q", err, k, tt.wantKind, tt.wantText)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
			if pages != tt.maxPages {
				t.Errorf("%d pages read, want %d", pages, tt.maxPages)
			}
		})
	}
}

func TestGetPrefixCanceled(t *testing.T) {
	t.Parallel()
	b, srv, _ := prefixBackend(t, nil)
	srv.Put("/p/a", "1")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	got, err := b.GetPrefix(ctx, "/p/", 10_000)
	if !errors.Is(err, context.Canceled) || errors.Is(err, vaultly.ErrTransient) || got != nil {
		t.Errorf("GetPrefix = %v, %v; want nil and context.Canceled without a kind", got, err)
	}
}

// Load with prefix fields over ssm: the bound, nothing under the path,
// optional, and a Secret map.
func TestLoadPrefixFields(t *testing.T) {
	t.Parallel()
	b, srv, _ := prefixBackend(t, nil)
	for i := range 3 {
		srv.Put(fmt.Sprintf("/app/flags/f%d", i), fmt.Sprint(i))
	}
	tests := []struct {
		name     string
		cfg      any
		wantKind string
		wantText string
		check    func(cfg any) string // "" when right
	}{
		{name: "all", cfg: &struct {
			F map[string]int `secret:"/app/flags/,prefix"`
		}{}, wantKind: "ok", check: func(cfg any) string {
			got := cfg.(*struct {
				F map[string]int `secret:"/app/flags/,prefix"`
			}).F
			return cmp.Diff(map[string]int{"f0": 0, "f1": 1, "f2": 2}, got)
		}},
		{name: "over the bound", cfg: &struct {
			F map[string]string `secret:"/app/flags/,prefix,max=2"`
		}{}, wantKind: "config", wantText: "(max=2)"},
		{name: "nothing under it", cfg: &struct {
			F map[string]string `secret:"/app/none/,prefix"`
		}{}, wantKind: "not_found", wantText: "/app/none/"},
		{name: "nothing under it, optional", cfg: &struct {
			F map[string]string `secret:"/app/none/,prefix,optional"`
		}{}, wantKind: "ok"},
		{name: "a Secret map", cfg: &struct {
			F vaultly.Secret[map[string]string] `secret:"/app/flags/,prefix,ttl=1m"`
		}{}, wantKind: "ok", check: func(cfg any) string {
			got, err := cfg.(*struct {
				F vaultly.Secret[map[string]string] `secret:"/app/flags/,prefix,ttl=1m"`
			}).F.Get(context.Background())
			if err != nil {
				return err.Error()
			}
			return cmp.Diff(map[string]string{"f0": "0", "f1": "1", "f2": "2"}, got)
		}},
	}
	for _, tt := range tests {
		err := vaultly.LoadContext(t.Context(), tt.cfg, b)
		t.Logf("%s: %v", tt.name, err)
		if k := kindName(err); k != tt.wantKind || (err != nil && !strings.Contains(err.Error(), tt.wantText)) {
			t.Errorf("%s: Load = %v (%s); want %s saying %q", tt.name, err, k, tt.wantKind, tt.wantText)
			continue
		}
		if tt.check != nil {
			if diff := tt.check(tt.cfg); diff != "" {
				t.Errorf("%s: %s", tt.name, diff)
			}
		}
	}
}
