package vault_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

func TestGetBatchOneReadPerEntry(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	srv.Put("db/prod", map[string]any{"user": "app", "password": "pw1", "port": 5432, "value": "dsn"})
	srv.Put("db/prod", map[string]any{"user": "app", "password": "pw2", "port": 5432, "value": "dsn"})
	srv.Put("api", map[string]any{"value": "key", "flags": map[string]any{"beta": true}})
	b := newBackend(t, srv)

	refs := []vaultly.Ref{
		{Path: "db/prod:user"},
		{Path: "db/prod:password"},
		{Path: "/db/prod:port"},
		{Path: "db/prod"},
		{Path: "db/prod:password", Version: "1"},
		{Path: "db/prod:user", Version: "1"},
		{Path: "api"},
		{Path: "api:flags"},
		{Path: "api:flags"}, // the same Ref twice
	}
	got, err := b.GetBatch(context.Background(), refs)
	if err != nil {
		t.Fatalf("GetBatch: %v", err)
	}
	want := map[vaultly.Ref]string{
		{Path: "db/prod:user"}:                   "app",
		{Path: "db/prod:password"}:               "pw2",
		{Path: "/db/prod:port"}:                  "5432",
		{Path: "db/prod"}:                        "dsn",
		{Path: "db/prod:password", Version: "1"}: "pw1",
		{Path: "db/prod:user", Version: "1"}:     "app",
		{Path: "api"}:                            "key",
		{Path: "api:flags"}:                      `{"beta":true}`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetBatch (-want +got):\n%s", diff)
	}
	// One read of db/prod (latest), one of db/prod version 1, one of api.
	if r := srv.Reads("db/prod"); r != 2 {
		t.Errorf("reads of db/prod = %d, want 2 (latest and version 1)", r)
	}
	if r := srv.Reads("api"); r != 1 {
		t.Errorf("reads of api = %d, want 1", r)
	}
}

func TestGetBatchPartialFailures(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	srv.Put("ok", map[string]any{"value": "v", "other": "o"})
	srv.Put("denied", map[string]any{"value": "x"})
	srv.Inject(vaulttest.Fault{Path: "denied", Status: 403})
	b := newBackend(t, srv)

	refs := []vaultly.Ref{
		{Path: "ok"},
		{Path: "ok:nokey"},
		{Path: "missing"},
		{Path: "denied"},
		{Path: "bad//path"},
	}
	got, err := b.GetBatch(context.Background(), refs)
	var be *vaultly.BatchError
	if !errors.As(err, &be) {
		t.Fatalf("err = %v, want *vaultly.BatchError", err)
	}
	if diff := cmp.Diff(map[vaultly.Ref]string{{Path: "ok"}: "v"}, got); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	wantKinds := map[vaultly.Ref]error{
		{Path: "ok"}:        nil,
		{Path: "ok:nokey"}:  vaultly.ErrNotFound,
		{Path: "missing"}:   vaultly.ErrNotFound,
		{Path: "denied"}:    vaultly.ErrAuth,
		{Path: "bad//path"}: vaultly.ErrConfig,
	}
	for ref, kind := range wantKinds {
		_, err := backendkit.BatchResult(ref, got, err)
		if !errors.Is(err, kind) {
			t.Errorf("%v: err = %v, want %v", ref, err, kind)
		}
		var bke *vaultly.BackendError
		if kind != nil && (!errors.As(err, &bke) || bke.Ref != ref) {
			t.Errorf("%v: err = %v does not carry its Ref", ref, err)
		}
	}
}

func TestGetBatchConcurrencyBound(t *testing.T) {
	t.Parallel()
	const bound, entries = 2, 6
	srv := vaulttest.NewServer(t)
	var refs []vaultly.Ref
	for i := range entries {
		p := "e/" + string(rune('a'+i))
		srv.Put(p, map[string]any{"value": p})
		refs = append(refs, vaultly.Ref{Path: p})
	}
	hold := make(chan struct{})
	srv.Inject(vaulttest.Fault{Hold: hold})

	cfg := srv.Client().CloneConfig()
	gauge := &inFlight{next: cfg.HttpClient.Transport, arrived: make(chan struct{}, entries)}
	cfg.HttpClient.Transport = gauge
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(srv.RootToken())
	b := newBackendWithClient(t, c, vault.WithConcurrency(bound))

	done := make(chan error, 1)
	var got map[vaultly.Ref]string
	go func() {
		var err error
		got, err = b.GetBatch(context.Background(), refs)
		done <- err
	}()
	for range bound {
		<-gauge.arrived // bound reads are held by the server
	}
	close(hold)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(got) != entries {
		t.Errorf("got %d values, want %d", len(got), entries)
	}
	if m := gauge.maxSeen(); m != bound {
		t.Errorf("max reads in flight = %d, want %d", m, bound)
	}
}

type inFlight struct {
	next    http.RoundTripper
	arrived chan struct{}
	mu      sync.Mutex
	n, max  int
}

func (g *inFlight) RoundTrip(r *http.Request) (*http.Response, error) {
	g.mu.Lock()
	g.n++
	g.max = max(g.max, g.n)
	g.mu.Unlock()
	g.arrived <- struct{}{}
	defer func() {
		g.mu.Lock()
		g.n--
		g.mu.Unlock()
	}()
	return g.next.RoundTrip(r)
}

func (g *inFlight) maxSeen() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.max
}

func TestGetBatchCancelled(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	srv.Put("a", map[string]any{"value": "a"})
	srv.Put("b", map[string]any{"value": "b"})
	hold := make(chan struct{})
	t.Cleanup(func() { close(hold) })
	srv.Inject(vaulttest.Fault{Path: "b", Hold: hold})
	// With one read at a time, b's request starts only after a's read
	// is complete.
	cfg := srv.Client().CloneConfig()
	gauge := &inFlight{next: cfg.HttpClient.Transport, arrived: make(chan struct{}, 2)}
	cfg.HttpClient.Transport = gauge
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(srv.RootToken())
	b := newBackendWithClient(t, c, vault.WithConcurrency(1))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var got map[vaultly.Ref]string
	go func() {
		var err error
		got, err = b.GetBatch(ctx, []vaultly.Ref{{Path: "a"}, {Path: "b"}})
		done <- err
	}()
	<-gauge.arrived // a
	<-gauge.arrived // b, held by the server
	cancel()
	err = <-done
	if !errors.Is(err, context.Canceled) || errors.Is(err, vaultly.ErrTransient) {
		t.Fatalf("err = %v, want context.Canceled and not ErrTransient", err)
	}
	if diff := cmp.Diff(map[vaultly.Ref]string{{Path: "a"}: "a"}, got); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	if _, err := backendkit.BatchResult(vaultly.Ref{Path: "b"}, got, err); !errors.Is(err, context.Canceled) {
		t.Errorf("b: err = %v, want context.Canceled", err)
	}
}

// panicOn is a RoundTripper that panics, with a value that looks like a
// secret, on a request for path; other requests go to next.
type panicOn struct {
	next http.RoundTripper
	path string
}

const panicValue = "panic-value-s3cret"

func (p *panicOn) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == p.path {
		panic(panicValue)
	}
	return p.next.RoundTrip(r)
}

// A read that panics fails the Refs of its entry with ErrTransient,
// without the panic value; the other entries' values are kept.
func TestGetBatchPanickingRead(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	srv.Put("a", map[string]any{"value": "a"})
	srv.Put("b", map[string]any{"value": "b", "other": "o"})
	cfg := srv.Client().CloneConfig()
	cfg.HttpClient.Transport = &panicOn{next: cfg.HttpClient.Transport, path: "/v1/secret/data/b"}
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(srv.RootToken())
	b := newBackendWithClient(t, c)

	refs := []vaultly.Ref{{Path: "a"}, {Path: "b"}, {Path: "b:other"}}
	got, err := b.GetBatch(context.Background(), refs)
	var be *vaultly.BatchError
	if !errors.As(err, &be) || len(be.Errs) != 2 {
		t.Fatalf("err = %v, want a *vaultly.BatchError for the 2 Refs of b", err)
	}
	if diff := cmp.Diff(map[vaultly.Ref]string{{Path: "a"}: "a"}, got); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	for _, ref := range refs[1:] {
		_, err := backendkit.BatchResult(ref, got, err)
		var bke *vaultly.BackendError
		switch {
		case !errors.Is(err, vaultly.ErrTransient):
			t.Errorf("%v: %v, want ErrTransient", ref, err)
		case !errors.As(err, &bke) || bke.Ref != ref || bke.Backend != "vault":
			t.Errorf("%v: %v, want a BackendError of vault for its Ref", ref, err)
		case !strings.Contains(err.Error(), "backend panicked"):
			t.Errorf("%v: %q does not say the backend panicked", ref, err)
		case strings.Contains(err.Error(), panicValue):
			t.Errorf("%v: %q prints the panic value", ref, err)
		}
	}
}

// When the caller's context ends while a read waits for the only slot,
// that read never starts, and the batch returns once the read holding the
// slot has ended.
func TestGetBatchCancelWhileWaitingForSlot(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	srv.Put("a", map[string]any{"value": "a"})
	srv.Put("b", map[string]any{"value": "b"})
	hold := make(chan struct{})
	t.Cleanup(func() { close(hold) })
	srv.Inject(vaulttest.Fault{Path: "a", Hold: hold}) // a holds the only slot
	cfg := srv.Client().CloneConfig()
	gauge := &inFlight{next: cfg.HttpClient.Transport, arrived: make(chan struct{}, 2)}
	cfg.HttpClient.Transport = gauge
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(srv.RootToken())
	b := newBackendWithClient(t, c, vault.WithConcurrency(1))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var got map[vaultly.Ref]string
	go func() {
		var err error
		got, err = b.GetBatch(ctx, []vaultly.Ref{{Path: "a"}, {Path: "b"}})
		done <- err
	}()
	<-gauge.arrived // a, held by the server; b waits for the slot
	cancel()
	err = <-done
	if !errors.Is(err, context.Canceled) || errors.Is(err, vaultly.ErrTransient) {
		t.Fatalf("err = %v, want context.Canceled and not ErrTransient", err)
	}
	if errors.As(err, new(*vaultly.BatchError)) {
		t.Errorf("a cancelled batch returned a *BatchError: %v", err)
	}
	if len(got) != 0 {
		t.Errorf("values %v, want none", got)
	}
	if _, err := backendkit.BatchResult(vaultly.Ref{Path: "b"}, got, err); !errors.Is(err, context.Canceled) {
		t.Errorf("b: err = %v, want context.Canceled", err)
	}
	if n := srv.Reads("b"); n != 0 {
		t.Errorf("b read %d times, want never", n)
	}
}
