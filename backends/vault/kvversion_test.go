package vault_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

// requestLog returns the method and path of every request srv received.
func requestLog(srv *vaulttest.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		s := r.Method + " " + r.Path
		if r.Query != "" {
			s += "?" + r.Query
		}
		out = append(out, s)
	}
	return out
}

// Without WithKVVersion the backend asks for the mount's version once,
// before its first read, and reads the way that version wants.
func TestKVVersionDetected(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		version int
		want    []string
	}{
		{1, []string{
			"GET /v1/sys/internal/ui/mounts/kv",
			"GET /v1/kv/app/db",
			"GET /v1/kv/app/db",
		}},
		{2, []string{
			"GET /v1/sys/internal/ui/mounts/kv",
			"GET /v1/kv/data/app/db",
			"GET /v1/kv/data/app/db",
		}},
	} {
		srv := vaulttest.NewServer(t, vaulttest.WithKVVersion(tc.version), vaulttest.WithMount("kv"))
		srv.Put("app/db", map[string]any{"user": "u", "value": "v"})
		b, err := vault.New(vault.WithClient(srv.Client()), vault.WithMount("kv"))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if got, err := b.Get(ctx, vaultly.Ref{Path: "app/db", Key: "user"}); err != nil || got != "u" {
			t.Errorf("v%d: Get = %q, %v", tc.version, got, err)
		}
		got, err := b.GetBatch(ctx, []vaultly.Ref{{Path: "app/db"}, {Path: "app/db:user"}})
		if diff := cmp.Diff(map[vaultly.Ref]string{{Path: "app/db"}: "v", {Path: "app/db:user"}: "u"}, got); err != nil || diff != "" {
			t.Errorf("v%d: GetBatch: %v (-want +got):\n%s", tc.version, err, diff)
		}
		if diff := cmp.Diff(tc.want, requestLog(srv)); diff != "" {
			t.Errorf("v%d: requests (-want +got):\n%s", tc.version, diff)
		}
	}
}

// WithKVVersion skips the check; a pinned version is refused on KV v1
// before any request, naming the Ref.
func TestKVVersionOption(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t, vaulttest.WithKVVersion(1))
	srv.Put("app/db", map[string]any{"value": "v"})
	b := newBackend(t, srv, vault.WithKVVersion(1))
	ctx := context.Background()
	if got, err := b.Get(ctx, vaultly.Ref{Path: "app/db"}); err != nil || got != "v" {
		t.Fatalf("Get = %q, %v", got, err)
	}
	srv.ResetCounts()
	for _, ref := range []vaultly.Ref{{Path: "app/db", Version: "1"}, {Path: "app/db", Version: "abc"}} {
		_, err := b.Get(ctx, ref)
		var be *vaultly.BackendError
		if !errors.Is(err, vaultly.ErrConfig) || !errors.As(err, &be) || be.Ref != ref {
			t.Errorf("Get(%v) = %v; want ErrConfig naming the Ref", ref, err)
		}
		_, err = b.GetBatch(ctx, []vaultly.Ref{ref})
		if !errors.As(err, &be) || !errors.Is(err, vaultly.ErrConfig) {
			t.Errorf("GetBatch(%v) = %v; want ErrConfig", ref, err)
		}
	}
	if got := requestLog(srv); len(got) != 0 {
		t.Errorf("requests %v, want none", got)
	}
	for _, v := range []int{0, 3, -1} {
		if _, err := vault.New(vault.WithClient(srv.Client()), vault.WithKVVersion(v)); !errors.Is(err, vaultly.ErrConfig) || !strings.Contains(err.Error(), "WithKVVersion") {
			t.Errorf("WithKVVersion(%d): err = %v, want ErrConfig naming the option", v, err)
		}
	}
}

// failFirst answers the first n requests for path with status, the rest
// go to next.
type failFirst struct {
	next   http.RoundTripper
	path   string
	status int
	left   atomic.Int32
}

func (f *failFirst) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == f.path && f.left.Add(-1) >= 0 {
		return &http.Response{StatusCode: f.status, Header: http.Header{"Content-Type": {"application/json"}},
			Body: http.NoBody, Request: r}, nil
	}
	return f.next.RoundTrip(r)
}

// detectingBackend returns a backend without WithKVVersion over srv, whose
// first n version checks are answered with status by the transport.
func detectingBackend(t *testing.T, srv *vaulttest.Server, status, n int, opts ...vault.Option) *vault.Backend {
	t.Helper()
	cfg := srv.Client().CloneConfig()
	cfg.MaxRetries = 0
	ff := &failFirst{next: cfg.HttpClient.Transport, path: "/v1/sys/internal/ui/mounts/secret", status: status}
	ff.left.Store(int32(n))
	cfg.HttpClient = &http.Client{Transport: ff}
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(srv.RootToken())
	b, err := vault.New(append([]vault.Option{vault.WithClient(c)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A failed check fails the read with its kind and is asked again at the
// next read; a Vault without the endpoint (404) is taken as KV v2.
func TestKVVersionDetectionFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		status int
		kind   error // of the first read; nil: it succeeds
	}{
		{"no endpoint", 404, nil},
		{"unavailable", 503, vaultly.ErrTransient},
		{"refused", 403, vaultly.ErrAuth},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := vaulttest.NewServer(t)
			srv.Put("p", map[string]any{"value": "v"})
			b := detectingBackend(t, srv, tc.status, 1)
			ctx := context.Background()
			got, err := b.Get(ctx, vaultly.Ref{Path: "p"})
			if tc.kind == nil {
				if err != nil || got != "v" {
					t.Fatalf("Get = %q, %v", got, err)
				}
			} else {
				var be *vaultly.BackendError
				if !errors.Is(err, tc.kind) || !errors.As(err, &be) || be.Ref.Path != "p" ||
					!strings.Contains(err.Error(), `detecting the KV version of mount "secret"`) {
					t.Fatalf("Get = %q, %v; want %v naming the check and the Ref", got, err, tc.kind)
				}
				if n := srv.TotalReads(); n != 0 {
					t.Errorf("reads = %d before the version is known, want 0", n)
				}
				if got, err := b.Get(ctx, vaultly.Ref{Path: "p"}); err != nil || got != "v" {
					t.Fatalf("second Get = %q, %v; want the check asked again and the value", got, err)
				}
			}
			if got, err := b.Get(ctx, vaultly.Ref{Path: "p"}); err != nil || got != "v" {
				t.Fatalf("third Get = %q, %v", got, err)
			}
			checks := 0
			for _, r := range requestLog(srv) {
				if strings.Contains(r, "internal/ui/mounts") {
					checks++
				}
			}
			// The first check never reaches the server; a failed one is
			// asked again, a 404 is remembered as KV v2.
			if want := map[bool]int{true: 0, false: 1}[tc.kind == nil]; checks != want {
				t.Errorf("version checks that reached the server = %d, want %d", checks, want)
			}
		})
	}
}

// Concurrent first readers share one version check.
func TestKVVersionDetectedOnce(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	srv.Put("p", map[string]any{"value": "v"})
	b, err := vault.New(vault.WithClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if got, err := b.Get(context.Background(), vaultly.Ref{Path: "p"}); err != nil || got != "v" {
				t.Errorf("Get = %q, %v", got, err)
			}
		})
	}
	wg.Wait()
	checks := 0
	for _, r := range requestLog(srv) {
		if strings.Contains(r, "internal/ui/mounts") {
			checks++
		}
	}
	if checks != 1 {
		t.Errorf("version checks = %d, want 1", checks)
	}
}

// A mount that is not KV is a configuration error.
func TestKVVersionNotKV(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	cfg := srv.Client().CloneConfig()
	next := cfg.HttpClient.Transport
	cfg.HttpClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if strings.HasPrefix(r.URL.Path, "/v1/sys/internal/ui/mounts/") {
			return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Request: r,
				Body: readCloser(`{"data":{"type":"pki","options":null,"path":"secret/"}}`)}, nil
		}
		return next.RoundTrip(r)
	})}
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(srv.RootToken())
	b, err := vault.New(vault.WithClient(c))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get(context.Background(), vaultly.Ref{Path: "p"}); !errors.Is(err, vaultly.ErrConfig) || !strings.Contains(err.Error(), `"pki" secrets engine, not KV`) {
		t.Errorf("err = %v, want ErrConfig saying the mount is not KV", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func readCloser(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }
