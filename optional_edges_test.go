package vaultly_test

import (
	"context"
	"encoding/base64"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultly/vaultly"
)

type port int

// TestPrefixValuesDecodeAsT: each value under a prefix goes through T's
// rule, a WithDecoder for T and encoding= included.
func TestPrefixValuesDecodeAsT(t *testing.T) {
	t.Parallel()
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	s := newStore(map[string]string{
		"/ports/http": "p80", "/ports/https": "p443",
		"/keys/a": b64("ka"), "/keys/b/c": b64("kbc"),
	})
	var cfg struct {
		Ports map[string]port   `secret:"/ports,prefix"`
		Keys  map[string][]byte `secret:"/keys/,prefix,encoding=base64"`
	}
	parsePort := func(text string) (port, error) {
		n, err := strconv.Atoi(strings.TrimPrefix(text, "p"))
		return port(n), err
	}
	if err := vaultly.Load(&cfg, prefixStore{s}, vaultly.WithDecoder(parsePort)); err != nil {
		t.Fatal(err)
	}
	want := []any{map[string]port{"http": 80, "https": 443}, map[string][]byte{"a": []byte("ka"), "b/c": []byte("kbc")}}
	if diff := cmp.Diff(want, []any{cfg.Ports, cfg.Keys}); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// panickyKeys says it reads keys by panicking: the core takes it as a
// backend that does not, and asks it for documents.
type panickyKeys struct{ s *store }

func (p panickyKeys) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	return p.s.Get(ctx, ref)
}
func (panickyKeys) ReadsKeys() bool { panic("not ready") }

func TestReadsKeysPanics(t *testing.T) {
	t.Parallel()
	s := newStore(map[string]string{"/db": `{"user":"app"}`})
	var cfg struct {
		User string `secret:"/db,key=user"`
	}
	if err := vaultly.Load(&cfg, panickyKeys{s}); err != nil || cfg.User != "app" {
		t.Fatalf("Load = %v, User %q", err, cfg.User)
	}
	gets, _, _, _ := s.calls()
	if diff := cmp.Diff([]vaultly.Ref{{Path: "/db"}}, gets); diff != "" {
		t.Errorf("Gets (-want +got):\n%s", diff)
	}
}

// allKinds is a backend with every optional interface: a batch, keys read
// by the core, prefixes and leases.
type allKinds struct{ s *store }

func (a allKinds) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	return a.s.Get(ctx, ref)
}
func (a allKinds) GetBatch(ctx context.Context, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	return a.s.GetBatch(ctx, refs)
}
func (a allKinds) GetPrefix(ctx context.Context, prefix string, max int) (map[string]string, error) {
	return a.s.GetPrefix(ctx, prefix, max)
}
func (a allKinds) GetLease(ctx context.Context, ref vaultly.Ref) (string, time.Duration, error) {
	return a.s.GetLease(ctx, ref)
}

type allKindsConfig struct {
	User   string                            `secret:"/db,key=user"`
	Pass   vaultly.Secret[string]            `secret:"/db,key=password"`
	Flags  map[string]bool                   `secret:"/flags,prefix"`
	FlagsS vaultly.Secret[map[string]string] `secret:"/flags,prefix,ttl=1m"`
	Creds  vaultly.Secret[dbCreds]           `secret:"database/creds/app,lease"`
	Plain  string                            `secret:"/plain"`
}

var allKindsValues = map[string]string{
	"/db":                `{"user":"app","password":"pw"}`,
	"/flags/a":           "true",
	"database/creds/app": `{"username":"v","password":"p"}`,
	"/plain":             "x",
}

// TestAllKindsOneLoad: one Load of fields of every kind asks each kind of
// question once (one GetBatch for the document and the plain Ref, one
// GetPrefix for the two prefix fields, one GetLease), reports each to
// OnFetch, and leaves no goroutine behind.
func TestAllKindsOneLoad(t *testing.T) {
	// Not parallel: it counts the process's goroutines.
	before := runtime.NumGoroutine()
	s := newStore(allKindsValues)
	var mu sync.Mutex
	var fetched []vaultly.Ref
	hooks := vaultly.Hooks{OnFetch: func(ref vaultly.Ref, _ time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err == nil {
			fetched = append(fetched, ref)
		}
	}}
	var cfg allKindsConfig
	if err := vaultly.Load(&cfg, allKinds{s}, vaultly.WithHooks(hooks)); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	pass, err1 := cfg.Pass.Get(ctx)
	flags, err2 := cfg.FlagsS.Get(ctx)
	creds, err3 := cfg.Creds.Get(ctx)
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	got := []any{cfg.User, pass, cfg.Flags, flags, creds, cfg.Plain}
	want := []any{"app", "pw", map[string]bool{"a": true}, map[string]string{"a": "true"}, dbCreds{"v", "p"}, "x"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	gets, batches, lists, leased := s.calls()
	calls := []any{len(gets), batches, lists, leased}
	wantCalls := []any{0, [][]vaultly.Ref{{{Path: "/db"}, {Path: "/plain"}}}, []listCall{{"/flags/", 10000}}, []vaultly.Ref{{Path: "database/creds/app"}}}
	if diff := cmp.Diff(wantCalls, calls, cmp.AllowUnexported(listCall{})); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	mu.Lock()
	n := len(fetched)
	mu.Unlock()
	if n != 4 {
		t.Errorf("OnFetch reported %d successful calls (%v), want 4", n, fetched)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("goroutines: %d before Load, %d after", before, after)
	}
}

// TestAllKindsCanceled: a Load whose context has ended fails with the
// context's error (the fake's batch ignores the context; the calls made
// beside it never start) and changes nothing.
func TestAllKindsCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var cfg allKindsConfig
	err := vaultly.LoadContext(ctx, &cfg, allKinds{newStore(allKindsValues)})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Load = %v, want context.Canceled", err)
	}
	if cfg.User != "" || cfg.Flags != nil || cfg.Pass.Ref() != (vaultly.Ref{}) {
		t.Errorf("a failed Load changed the struct: %+v", cfg)
	}
}
