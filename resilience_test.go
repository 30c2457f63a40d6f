package vaultly_test

import (
	"context"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

// TestTTLJitterSpreadsExpiries: 1,000 Loaders (a fleet) that load one
// entry at one instant expire spread over [ttl*(1-f), ttl], not together.
// (The entries one call fetches share one draw and expire together:
// TestRefreshTogether.)
func TestTTLJitterSpreadsExpiries(t *testing.T) {
	t.Parallel()
	const n, ttl, f = 1000, 10 * time.Minute, 0.2
	type config struct {
		S vaultly.Secret[string] `secret:"/k,ttl=10m"`
	}
	clk := newClock()
	b := mock.New(map[string]string{"/k": "v"})
	fleet := make([]config, n)
	for i := range fleet {
		if err := vaultly.Load(&fleet[i], b, vaultly.WithClock(clk.Now), vaultly.WithTTLJitter(f), vaultly.WithPrefetch(true)); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	readAll := func() {
		for i := range fleet {
			fleet[i].S.Get(ctx)
		}
	}
	// Walk the window in 10 steps and count the entries that expired in each.
	lo := time.Duration(float64(ttl) * (1 - f))
	clk.Advance(lo - time.Nanosecond)
	readAll()
	if got := b.Requests(); got != n {
		t.Fatalf("%d requests before the window, want only the %d Loads", got, n)
	}
	step := (ttl - lo) / 10
	var perStep []int
	for range 10 {
		clk.Advance(step)
		before := b.Requests()
		readAll()
		perStep = append(perStep, b.Requests()-before)
	}
	total := 0
	for _, c := range perStep {
		total += c
		// Uniform over the window: about 100 a step; allow wide slack.
		if c < 40 || c > 180 {
			t.Errorf("expiries per step = %v, want about %d each", perStep, n/10)
			break
		}
	}
	if total != n {
		t.Errorf("expired in the window: %d, want all %d", total, n)
	}
}

// TestRefreshAhead: a read after f of the TTL returns at once and starts
// one background refresh; readers never wait for a warm key.
func TestRefreshAhead(t *testing.T) {
	t.Parallel()
	clk := newClock()
	b := mock.New(map[string]string{"/k": "v1"})
	l := mustLoader(t, b, vaultly.WithClock(clk.Now), vaultly.WithRefreshAhead(0.8))
	var cfg struct {
		S vaultly.Secret[string] `secret:"/k,ttl=10m"`
	}
	if err := l.Load(context.Background(), &cfg); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if v, _ := cfg.S.Get(ctx); v != "v1" {
		t.Fatalf("first Get = %q", v)
	}
	b.Set("/k", "v2")
	release := b.Hold("/k")
	clk.Advance(9 * time.Minute) // past 80% of the TTL
	for range 20 {               // all return at once, though the backend is held
		if v, err := cfg.S.Get(ctx); err != nil || v != "v1" {
			t.Fatalf("Get during refresh = %q, %v", v, err)
		}
	}
	if err := b.AwaitWaiting(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if w := b.Waiting(); w != 1 {
		t.Errorf("background refreshes waiting = %d, want 1", w)
	}
	release()
	// The refresh lands in the background: yield, bounded, until it has.
	// (Close would cancel it: TestCloseLeavesNoGoroutines.)
	deadline := time.Now().Add(10 * time.Second)
	for v, _ := cfg.S.Get(ctx); v != "v2"; v, _ = cfg.S.Get(ctx) {
		if time.Now().After(deadline) {
			t.Fatalf("after refresh Get = %q, want v2", v)
		}
		runtime.Gosched()
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if n := b.Requests(); n != 2 {
		t.Errorf("requests = %d, want 2", n)
	}
}

// TestRefreshAheadFailureKeepsValue: a failed background refresh leaves
// the current value until it expires, then the normal path applies.
func TestRefreshAheadFailureKeepsValue(t *testing.T) {
	t.Parallel()
	clk := newClock()
	b := mock.New(map[string]string{"/k": "v1"})
	l := mustLoader(t, b, vaultly.WithClock(clk.Now), vaultly.WithRefreshAhead(0.5))
	defer l.Close()
	var cfg struct {
		S vaultly.Secret[string] `secret:"/k,ttl=10m,stale_on_error"`
	}
	if err := l.Load(context.Background(), &cfg); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cfg.S.Get(ctx)
	b.FailAll(errDown)
	clk.Advance(6 * time.Minute)
	if v, err := cfg.S.Get(ctx); err != nil || v != "v1" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	waitRequests(t, b, 2)
	if v, err := cfg.S.Get(ctx); err != nil || v != "v1" {
		t.Fatalf("Get after failed refresh = %q, %v", v, err)
	}
	clk.Advance(5 * time.Minute) // expired: stale_on_error serves v1
	if v, err := cfg.S.Get(ctx); err != nil || v != "v1" {
		t.Fatalf("stale Get = %q, %v", v, err)
	}
}

// waitRequests waits until the backend has seen n requests (a background
// refresh runs on its own goroutine); it yields, it does not sleep.
func waitRequests(t *testing.T, b *mock.Backend, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for b.Requests() < n {
		if time.Now().After(deadline) {
			t.Fatalf("requests = %d, want %d", b.Requests(), n)
		}
		runtime.Gosched()
	}
}

// TestCloseLeavesNoGoroutines: Close stops background refreshes and waits.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	// Not parallel: it counts the process's goroutines.
	before := runtime.NumGoroutine()
	clk := newClock()
	b := mock.New(map[string]string{"/k": "v"})
	l := mustLoader(t, b, vaultly.WithClock(clk.Now), vaultly.WithRefreshAhead(0.5))
	var cfg struct {
		S vaultly.Secret[string] `secret:"/k,ttl=1m"`
	}
	if err := l.Load(context.Background(), &cfg); err != nil {
		t.Fatal(err)
	}
	cfg.S.Get(context.Background())
	release := b.Hold("")
	defer release()
	clk.Advance(40 * time.Second)
	cfg.S.Get(context.Background()) // starts a refresh that the hold parks
	if err := b.AwaitWaiting(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	l.Close() // cancels the parked refresh and waits for it
	clk.Advance(5 * time.Second)
	cfg.S.Get(context.Background()) // no new background work after Close
	// Another test's work (a background refresh, a shared call being
	// cancelled) may hold a goroutine for a moment: wait, bounded, for the
	// count to settle rather than read it once. A goroutine this Loader
	// leaked would keep it up.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	if after := runtime.NumGoroutine(); after > before {
		buf := make([]byte, 1<<16)
		t.Errorf("goroutines: %d before, %d after Close\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
}

// TestHooks counts every callback through a scripted sequence.
func TestHooks(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	counts := map[string]int{}
	kinds := map[string]int{}
	add := func(k string) { mu.Lock(); counts[k]++; mu.Unlock() }
	var staleAge atomic.Int64
	hooks := vaultly.Hooks{
		OnFetch: func(ref vaultly.Ref, took time.Duration, err error) {
			mu.Lock()
			counts["fetch"]++
			kinds[vaultly.KindOf(err)]++
			mu.Unlock()
		},
		OnCacheHit:  func(vaultly.Ref) { add("hit") },
		OnCacheMiss: func(vaultly.Ref) { add("miss") },
		OnStale:     func(_ vaultly.Ref, age time.Duration) { add("stale"); staleAge.Store(int64(age)) },
	}
	clk := newClock()
	b := mock.New(map[string]string{"/k": "v", "/p": "p"})
	var cfg struct {
		P string                 `secret:"/p"`
		S vaultly.Secret[string] `secret:"/k,ttl=1m,stale_on_error"`
	}
	if err := vaultly.Load(&cfg, b, vaultly.WithHooks(hooks), vaultly.WithClock(clk.Now), vaultly.WithPrefetch(false), vaultly.WithTTLJitter(0)); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cfg.S.Get(ctx) // miss, fetch ok
	cfg.S.Get(ctx) // hit
	clk.Advance(90 * time.Second)
	b.FailAll(errDown)
	cfg.S.Get(ctx) // miss, fetch transient, stale
	want := map[string]int{"fetch": 3, "hit": 1, "miss": 2, "stale": 1}
	mu.Lock()
	defer mu.Unlock()
	var got []string
	for k, v := range counts {
		if want[k] != v {
			got = append(got, k+"="+strconv.Itoa(v))
		}
	}
	sort.Strings(got)
	if len(got) > 0 || len(counts) != len(want) {
		t.Errorf("hook counts %v, want %v", counts, want)
	}
	if kinds["ok"] != 2 || kinds["transient"] != 1 {
		t.Errorf("fetch kinds = %v", kinds)
	}
	if time.Duration(staleAge.Load()) != 30*time.Second {
		t.Errorf("stale age = %v, want 30s", time.Duration(staleAge.Load()))
	}
}

// TestHooksHitOnValueAnotherFieldFetched: a read answered from a fresh
// value that another field's read fetched is a hit, as the Hooks table
// in docs/resilience.md says, not a read that reports nothing.
func TestHooksHitOnValueAnotherFieldFetched(t *testing.T) {
	t.Parallel()
	var hits, misses atomic.Int64
	hooks := vaultly.Hooks{
		OnCacheHit:  func(vaultly.Ref) { hits.Add(1) },
		OnCacheMiss: func(vaultly.Ref) { misses.Add(1) },
	}
	clk := newClock()
	b := mock.New(map[string]string{"/k": "v"})
	var cfg struct {
		A vaultly.Secret[string] `secret:"/k,ttl=1m"`
		B vaultly.Secret[string] `secret:"/k,ttl=1m"`
	}
	if err := vaultly.Load(&cfg, b, vaultly.WithHooks(hooks), vaultly.WithClock(clk.Now)); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	clk.Advance(90 * time.Second)
	for _, s := range []*vaultly.Secret[string]{&cfg.A, &cfg.B} {
		if v, err := s.Get(ctx); err != nil || v != "v" {
			t.Fatalf("Get = %q, %v", v, err)
		}
	}
	if got := [2]int64{hits.Load(), misses.Load()}; got != [2]int64{1, 1} {
		t.Errorf("hits, misses = %v, want [1 1] (A fetches, B reads A's value)", got)
	}
}
