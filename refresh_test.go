package vaultly_test

import (
	"cmp"
	"context"
	"errors"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

// refreshConfig is the struct of the refresh-together tests. At 10m, A, B,
// C, User and Pass have expired, D is due within the window (11m less a
// tenth, 9.9m), E is not (12m less a tenth, 10.8m), F never expires and
// Tree is a prefix, which keeps its own call.
type refreshConfig struct {
	A     vaultly.Secret[string]            `secret:"/a,ttl=10m,stale_on_error"`
	B     vaultly.Secret[string]            `secret:"/b,ttl=10m,stale_on_error"`
	C     vaultly.Secret[string]            `secret:"/c,ttl=10m"`
	D     vaultly.Secret[string]            `secret:"/d,ttl=11m"`
	E     vaultly.Secret[string]            `secret:"/e,ttl=12m"`
	User  vaultly.Secret[string]            `secret:"/doc,key=user,ttl=10m"`
	Pass  vaultly.Secret[string]            `secret:"/doc,key=pass,ttl=10m"`
	F     vaultly.Secret[string]            `secret:"/f"`
	Tree  vaultly.Secret[map[string]string] `secret:"/tree/,prefix,ttl=10m"`
	Plain string                            `secret:"/p"`
}

func refreshStore() *mock.Backend {
	return mock.New(map[string]string{
		"/a": "a1", "/b": "b1", "/c": "c1", "/d": "d1", "/e": "e1", "/f": "f1", "/p": "p1",
		"/doc": `{"user":"u1","pass":"p1"}`, "/tree/x": "x1",
	})
}

func sortedRefs(refs []vaultly.Ref) []vaultly.Ref {
	if len(refs) == 0 {
		return nil
	}
	refs = slices.Clone(refs)
	slices.SortFunc(refs, func(a, b vaultly.Ref) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Key, b.Key))
	})
	return refs
}

func loadRefresh(t *testing.T, b vaultly.Backend, opts ...vaultly.Option) (*refreshConfig, *mock.Clock, *vaultly.Loader) {
	t.Helper()
	clk := newClock()
	l := mustLoader(t, b, append([]vaultly.Option{vaultly.WithClock(clk.Now), vaultly.WithTTLJitter(0)}, opts...)...)
	t.Cleanup(func() { l.Close() })
	var cfg refreshConfig
	if err := l.Load(context.Background(), &cfg); err != nil {
		t.Fatal(err)
	}
	return &cfg, clk, l
}

// TestRefreshTogether: the read that finds its entry expired refreshes, in
// the same GetBatch, every other entry of the Loader that is due soon;
// the others then answer from the cache.
func TestRefreshTogether(t *testing.T) {
	t.Parallel()
	due := []vaultly.Ref{{Path: "/a"}, {Path: "/b"}, {Path: "/c"}, {Path: "/d"}, {Path: "/doc"}}
	tests := []struct {
		name    string
		advance time.Duration
		// read is the field read first; want its value after the change
		read      func(*refreshConfig) *vaultly.Secret[string]
		want      string
		wantCalls []vaultly.Ref   // every Ref asked for by the read
		wantBatch [][]vaultly.Ref // the GetBatch calls, Refs sorted
	}{
		{"all expired and due go in one GetBatch", 10 * time.Minute,
			func(c *refreshConfig) *vaultly.Secret[string] { return &c.A }, "a2", due, [][]vaultly.Ref{due}},
		{"a key's read asks for its document with the others", 10 * time.Minute,
			func(c *refreshConfig) *vaultly.Secret[string] { return &c.User }, "u2", due, [][]vaultly.Ref{due}},
		{"before any expiry a read asks nothing", 9*time.Minute + 50*time.Second,
			func(c *refreshConfig) *vaultly.Secret[string] { return &c.A }, "a1", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := refreshStore()
			cfg, clk, _ := loadRefresh(t, m)
			m.ResetCalls()
			for _, p := range []string{"/a", "/b", "/c", "/d", "/e", "/f"} {
				m.Set(p, p[1:]+"2")
			}
			m.Set("/doc", `{"user":"u2","pass":"p2"}`)
			clk.Advance(tt.advance)
			ctx := context.Background()
			got, err := tt.read(cfg).Get(ctx)
			if err != nil || got != tt.want {
				t.Fatalf("Get = %q, %v; want %q", got, err, tt.want)
			}
			if diff := gocmp.Diff(sortedRefs(tt.wantCalls), sortedRefs(m.Calls())); diff != "" {
				t.Errorf("refs asked (-want +got):\n%s", diff)
			}
			var batches [][]vaultly.Ref
			for _, bc := range m.BatchCalls() {
				batches = append(batches, sortedRefs(bc))
			}
			if diff := gocmp.Diff(tt.wantBatch, batches); diff != "" {
				t.Errorf("GetBatch calls (-want +got):\n%s", diff)
			}
			// The entries fetched together answer from the cache.
			if len(tt.wantBatch) == 1 {
				before := m.Requests()
				want := map[string]string{"A": "a2", "B": "b2", "C": "c2", "D": "d2", "User": "u2", "Pass": "p2", "E": "e1", "F": "f1"}
				gotAll := map[string]string{}
				for name, s := range map[string]*vaultly.Secret[string]{"A": &cfg.A, "B": &cfg.B, "C": &cfg.C, "D": &cfg.D,
					"User": &cfg.User, "Pass": &cfg.Pass, "E": &cfg.E, "F": &cfg.F} {
					if gotAll[name], err = s.Get(ctx); err != nil {
						t.Errorf("%s: %v", name, err)
					}
				}
				if diff := gocmp.Diff(want, gotAll); diff != "" {
					t.Errorf("values after the refresh (-want +got):\n%s", diff)
				}
				if n := m.Requests() - before; n != 0 {
					t.Errorf("%d more requests after the refresh together, want 0", n)
				}
			}
		})
	}
}

// TestRefreshAlone: an entry with nothing else due, or on a backend that
// cannot batch, is refreshed with one Get, as before.
func TestRefreshAlone(t *testing.T) {
	t.Parallel()
	for _, plain := range []bool{false, true} {
		m := mock.New(map[string]string{"/a": "a1", "/b": "b1", "/c": "c1"})
		var b vaultly.Backend = m
		// On a batch backend B is not due when A expires; on the other,
		// it is, but each entry is asked for alone.
		tagB := `secret:"/b,ttl=20m"`
		if plain {
			b, tagB = m.Plain(), `secret:"/b,ttl=10m"`
		}
		typ := reflect.StructOf([]reflect.StructField{
			{Name: "A", Type: reflect.TypeFor[vaultly.Secret[string]](), Tag: `secret:"/a,ttl=10m"`},
			{Name: "B", Type: reflect.TypeFor[vaultly.Secret[string]](), Tag: reflect.StructTag(tagB)},
		})
		clk := newClock()
		dst := reflect.New(typ)
		if err := vaultly.Load(dst.Interface(), b, vaultly.WithClock(clk.Now), vaultly.WithTTLJitter(0)); err != nil {
			t.Fatal(err)
		}
		m.ResetCalls()
		m.Set("/a", "a2")
		clk.Advance(10 * time.Minute)
		a := dst.Elem().Field(0).Addr().Interface().(*vaultly.Secret[string])
		if v, err := a.Get(context.Background()); err != nil || v != "a2" {
			t.Errorf("plain %v: A = %q, %v; want a2", plain, v, err)
		}
		if diff := gocmp.Diff([]vaultly.Ref{{Path: "/a"}}, m.Calls()); diff != "" {
			t.Errorf("plain %v: refs asked (-want +got):\n%s", plain, diff)
		}
		if n := len(m.BatchCalls()); n != 0 {
			t.Errorf("plain %v: %d GetBatch calls, want 0", plain, n)
		}
	}
}

// TestRefreshTogetherErrors: each Ref of the batch gets its own outcome:
// a Ref the store does not have any more is dropped, a transient failure
// serves the last value where the field allows it, and the others are
// renewed.
func TestRefreshTogetherErrors(t *testing.T) {
	t.Parallel()
	errDown := errors.New("connection refused")
	tests := []struct {
		name  string
		setup func(*mock.Backend)
		want  map[string]string // field: value, or "error: " and the sentinel
	}{
		{"one Ref gone", func(m *mock.Backend) { m.Delete("/b") },
			map[string]string{"A": "a2", "B": "error: not found", "C": "c2"}},
		{"one Ref transient", func(m *mock.Backend) { m.Fail("/c", errDown); m.Fail("/b", errDown) },
			map[string]string{"A": "a2", "B": "b1", "C": "error: transient"}},
		{"the whole call transient", func(m *mock.Backend) { m.FailAll(errDown) },
			map[string]string{"A": "a1", "B": "b1", "C": "error: transient"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := refreshStore()
			cfg, clk, _ := loadRefresh(t, m)
			for _, p := range []string{"/a", "/b", "/c"} {
				m.Set(p, p[1:]+"2")
			}
			tt.setup(m)
			m.ResetCalls()
			clk.Advance(10 * time.Minute)
			ctx := context.Background()
			got := map[string]string{}
			for name, s := range map[string]*vaultly.Secret[string]{"A": &cfg.A, "B": &cfg.B, "C": &cfg.C} {
				v, err := s.Get(ctx)
				switch {
				case errors.Is(err, vaultly.ErrNotFound):
					v = "error: not found"
				case errors.Is(err, vaultly.ErrTransient):
					v = "error: transient"
				case err != nil:
					v = "error: " + err.Error()
				}
				got[name] = v
			}
			if diff := gocmp.Diff(tt.want, got); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
			if n := len(m.BatchCalls()); n != 1 {
				t.Errorf("%d GetBatch calls, want 1 (the failures rest for the stale retry interval)", n)
			}
		})
	}
}

// TestRefreshTogetherInvalidate: an Invalidate that comes while a refresh
// together is in flight wins for the Ref it names: its answer is not
// kept, and the next read asks again.
func TestRefreshTogetherInvalidate(t *testing.T) {
	t.Parallel()
	m := refreshStore()
	cfg, clk, l := loadRefresh(t, m)
	m.Set("/a", "a2")
	m.Set("/b", "b2")
	clk.Advance(10 * time.Minute)
	release := m.Hold("/b")
	ctx := context.Background()
	var wg sync.WaitGroup
	var got string
	var err error
	wg.Go(func() { got, err = cfg.A.Get(ctx) })
	if err := m.AwaitWaiting(ctx, 1); err != nil {
		t.Fatal(err)
	}
	l.Invalidate(vaultly.Ref{Path: "/b"})
	m.Set("/b", "b3")
	release()
	wg.Wait()
	if err != nil || got != "a2" {
		t.Fatalf("A = %q, %v; want a2", got, err)
	}
	m.ResetCalls()
	if v, err := cfg.B.Get(ctx); err != nil || v != "b3" {
		t.Errorf("B after the Invalidate = %q, %v; want b3 (asked again)", v, err)
	}
	if diff := gocmp.Diff([]vaultly.Ref{{Path: "/b"}}, m.Calls()); diff != "" {
		t.Errorf("refs asked for B (-want +got):\n%s", diff)
	}
}

// TestRefreshTogetherShared: readers of the entries a refresh together is
// fetching wait for it instead of asking again.
func TestRefreshTogetherShared(t *testing.T) {
	t.Parallel()
	m := refreshStore()
	cfg, clk, _ := loadRefresh(t, m)
	for _, p := range []string{"/a", "/b", "/c", "/d"} {
		m.Set(p, p[1:]+"2")
	}
	m.ResetCalls()
	clk.Advance(10 * time.Minute)
	release := m.Hold("/a")
	ctx := context.Background()
	secrets := []*vaultly.Secret[string]{&cfg.A, &cfg.B, &cfg.C} // expired (D is due, still fresh)
	got := make([]string, len(secrets))
	errs := make([]error, len(secrets))
	var wg sync.WaitGroup
	wg.Go(func() { got[0], errs[0] = secrets[0].Get(ctx) })
	if err := m.AwaitWaiting(ctx, 1); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(secrets); i++ {
		wg.Go(func() { got[i], errs[i] = secrets[i].Get(ctx) })
	}
	release()
	wg.Wait()
	if diff := gocmp.Diff([]string{"a2", "b2", "c2"}, got); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("secret %d: %v", i, err)
		}
	}
	if n := m.Requests(); n != 1 {
		t.Errorf("%d requests, want 1: the readers share the refresh together", n)
	}
}

// TestRefreshTogetherJitterOnce: the entries one call fetched share one
// jitter draw, so however wide the jitter they expire together: one
// GetBatch per TTL, never one per entry.
func TestRefreshTogetherJitterOnce(t *testing.T) {
	t.Parallel()
	m := refreshStore()
	clk := newClock()
	l := mustLoader(t, m, vaultly.WithClock(clk.Now), vaultly.WithTTLJitter(0.5))
	t.Cleanup(func() { l.Close() })
	var cfg struct {
		A vaultly.Secret[string] `secret:"/a,ttl=10m"`
		B vaultly.Secret[string] `secret:"/b,ttl=10m"`
		C vaultly.Secret[string] `secret:"/c,ttl=10m"`
		D vaultly.Secret[string] `secret:"/d,ttl=10m"`
		E vaultly.Secret[string] `secret:"/e,ttl=10m"`
	}
	ctx := context.Background()
	if err := l.Load(ctx, &cfg); err != nil {
		t.Fatal(err)
	}
	m.ResetCalls()
	// Step through ten TTLs reading every field: every request must be
	// one GetBatch of all five.
	for range 1000 {
		clk.Advance(6 * time.Second)
		for _, s := range []*vaultly.Secret[string]{&cfg.A, &cfg.B, &cfg.C, &cfg.D, &cfg.E} {
			if _, err := s.Get(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	n, b := m.Requests(), len(m.BatchCalls())
	if n < 10 || n > 20 || b != n || len(m.Calls()) != 5*n {
		t.Errorf("%d requests (%d GetBatch) asking for %d Refs in ten TTLs; want 10 to 20 GetBatch of all 5", n, b, len(m.Calls()))
	}
}

// TestStaleBackoff: transient failures in a row make the store asked less
// and less often while the stale value is served: the stale retry
// interval, then doubling with jitter (from the upper half) up to the TTL
// or five minutes, and the interval again after a value.
func TestStaleBackoff(t *testing.T) {
	t.Parallel()
	const s = time.Second
	tests := []struct {
		name string
		tag  string
		// gaps bound the waits between the store's failed answers.
		gaps [][2]time.Duration
	}{
		{"ttl=1m: cap 1m", "ttl=1m,stale_on_error", [][2]time.Duration{
			{5 * s, 5 * s}, {5 * s, 10 * s}, {10 * s, 20 * s}, {20 * s, 40 * s}, {30 * s, 60 * s}, {30 * s, 60 * s},
		}},
		{"ttl=1h: cap 5m", "ttl=1h,stale_on_error", [][2]time.Duration{
			{5 * s, 5 * s}, {5 * s, 10 * s}, {10 * s, 20 * s}, {20 * s, 40 * s}, {40 * s, 80 * s},
			{80 * s, 160 * s}, {150 * s, 300 * s}, {150 * s, 300 * s},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := mock.New(map[string]string{"/k": "v1"})
			clk := newClock()
			sec, _ := loadOne(t, m, tt.tag, vaultly.WithClock(clk.Now), vaultly.WithPrefetch(true))
			ctx := context.Background()
			// asks reads every second until the store has been asked n
			// times more, each read served (stale), and returns when.
			asks := func(n int) []time.Duration {
				var at []time.Duration
				var now time.Duration
				for len(at) < n && now < time.Hour {
					before := m.Requests()
					if v, err := sec.Get(ctx); err != nil || v == "" {
						t.Fatalf("Get = %q, %v; want the stale value", v, err)
					}
					if m.Requests() > before {
						at = append(at, now)
					}
					clk.Advance(s)
					now += s
				}
				return at
			}
			ttl := 10 * time.Minute
			if tt.tag == "ttl=1m,stale_on_error" {
				ttl = time.Minute
			}
			for round := range 2 { // the second after a value: the streak starts again
				m.FailAll(errors.New("connection refused"))
				clk.Advance(ttl * 6) // expired, whatever the TTL of the table
				at := asks(len(tt.gaps) + 1)
				for i, g := range tt.gaps {
					// Reads come every second: a wait shows rounded up.
					if gap := at[i+1] - at[i]; gap < g[0] || gap > g[1]+s {
						t.Errorf("round %d: wait %d = %v, want in [%v, %v]", round, i+1, gap, g[0], g[1])
					}
				}
				m.FailAll(nil)
				if len(asks(1)) != 1 {
					t.Fatal("the store was not asked again within an hour")
				}
			}
		})
	}
}

// TestRefreshTogetherLongExpired: an entry expired for longer than a
// tenth of its TTL, unread since, waits for its own next read; one served
// stale after a transient failure joins the next refresh together.
func TestRefreshTogetherLongExpired(t *testing.T) {
	t.Parallel()
	type config struct {
		A vaultly.Secret[string] `secret:"/a,ttl=10m,stale_on_error"`
		B vaultly.Secret[string] `secret:"/b,ttl=1m,stale_on_error"`
	}
	tests := []struct {
		name string
		fail bool // the store fails from the first expiry on
		want [][]vaultly.Ref
	}{
		{"unread for 9m: A alone", false, nil},
		{"stale after a failure: together", true, [][]vaultly.Ref{{{Path: "/a"}, {Path: "/b"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := mock.New(map[string]string{"/a": "a1", "/b": "b1"})
			clk := newClock()
			var cfg config
			if err := vaultly.Load(&cfg, m, vaultly.WithClock(clk.Now), vaultly.WithTTLJitter(0)); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			clk.Advance(time.Minute)
			if tt.fail {
				m.FailAll(errors.New("connection refused"))
				if v, err := cfg.B.Get(ctx); err != nil || v != "b1" { // fails: served stale
					t.Fatalf("B = %q, %v; want b1 stale", v, err)
				}
				m.FailAll(nil)
			}
			m.ResetCalls()
			clk.Advance(9 * time.Minute)
			if v, err := cfg.A.Get(ctx); err != nil || v != "a1" {
				t.Fatalf("A = %q, %v", v, err)
			}
			var batches [][]vaultly.Ref
			for _, bc := range m.BatchCalls() {
				batches = append(batches, sortedRefs(bc))
			}
			if diff := gocmp.Diff(tt.want, batches); diff != "" {
				t.Errorf("GetBatch calls (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRefreshTogetherIsPerLoad: what one Load bound is refreshed together,
// and nothing else. Tenants loaded one by one into one Loader are
// refreshed each on its own read, whatever else has expired: the read
// looks at its own struct's entries only (a Loader of 100,000 tenants
// would otherwise scan them all, and batch thousands, on every expired
// read).
func TestRefreshTogetherIsPerLoad(t *testing.T) {
	t.Parallel()
	type tenant struct {
		Tenant string
		Key    vaultly.Secret[string] `secret:"/tenants/<tenant>/key,ttl=1m"`
		Token  vaultly.Secret[string] `secret:"/tenants/<tenant>/token,ttl=1m"`
	}
	m := mock.New(map[string]string{
		"/tenants/a/key": "ka", "/tenants/a/token": "ta",
		"/tenants/b/key": "kb", "/tenants/b/token": "tb",
	})
	clk := newClock()
	l := mustLoader(t, m, vaultly.WithClock(clk.Now), vaultly.WithTTLJitter(0))
	a, b := &tenant{Tenant: "a"}, &tenant{Tenant: "b"}
	for _, c := range []*tenant{a, b} {
		if err := l.Load(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(time.Minute) // both tenants expire now
	m.ResetCalls()
	if v, err := a.Key.Get(context.Background()); err != nil || v != "ka" {
		t.Fatalf("a.Key.Get() = %q, %v", v, err)
	}
	want := [][]vaultly.Ref{{{Path: "/tenants/a/key"}, {Path: "/tenants/a/token"}}}
	var got [][]vaultly.Ref
	for _, refs := range m.BatchCalls() {
		got = append(got, sortedRefs(refs))
	}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("GetBatch calls (-want +got):\n%s", diff)
	}
	if diff := gocmp.Diff(want[0], sortedRefs(m.Calls())); diff != "" {
		t.Errorf("Refs asked (-want +got): b's entries must wait for b's reads\n%s", diff)
	}
}
