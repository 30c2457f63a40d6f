package vaultly

import (
	"context"
	"testing"
	"time"
)

// TestHorizon checks the clock-free freshness test of warm reads: a
// horizon is trusted only while its timer is pending, only moves earlier,
// and is off under WithClock, with refresh-ahead and after Close.
func TestHorizon(t *testing.T) {
	t.Parallel()
	hour := int64(time.Hour)
	type step struct {
		name  string
		do    func(l *Loader)
		probe int64
		want  bool
	}
	tests := []struct {
		name  string
		opts  []Option
		steps []step
	}{
		{"no horizon yet", nil, []step{
			{"before any watch", func(*Loader) {}, hour, false},
		}},
		{"watch sets, passing clears", nil, []step{
			{"at the horizon", func(l *Loader) { l.watch(2*hour, 0) }, 2 * hour, true},
			{"after it", func(*Loader) {}, 3 * hour, true},
			{"before it", func(*Loader) {}, 2*hour - 1, false},
			{"timer fired", func(l *Loader) { l.horizonPassed() }, 3 * hour, false},
		}},
		{"only moves earlier", nil, []step{
			{"first", func(l *Loader) { l.watch(2*hour, 0) }, 2 * hour, true},
			{"a later one is ignored", func(l *Loader) { l.watch(3*hour, 0) }, 2 * hour, true},
			{"an earlier one moves it", func(l *Loader) { l.watch(hour, 0) }, hour, true},
		}},
		{"too close for a timer", nil, []step{
			{"within the margin", func(l *Loader) { l.watch(int64(horizonMargin), 0) }, hour, false},
		}},
		{"off under WithClock", []Option{WithClock(time.Now)}, []step{
			{"watch ignored", func(l *Loader) { l.watch(2*hour, 0) }, 2 * hour, false},
		}},
		{"off with refresh-ahead", []Option{WithRefreshAhead(0.5)}, []step{
			{"watch ignored", func(l *Loader) { l.watch(2*hour, 0) }, 2 * hour, false},
		}},
		{"off after Close", nil, []step{
			{"set", func(l *Loader) { l.watch(2*hour, 0) }, 2 * hour, true},
			{"closed", func(l *Loader) { l.Close() }, 2 * hour, false},
			{"watch ignored", func(l *Loader) { l.watch(hour, 0) }, 2 * hour, false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := New(BackendFunc(func(context.Context, Ref) (string, error) { return "", nil }), tt.opts...)
			defer l.Close()
			for _, s := range tt.steps {
				s.do(l)
				if got := l.surelyBefore(s.probe); got != s.want {
					t.Errorf("%s: surelyBefore(%v) = %v, want %v", s.name, time.Duration(s.probe), got, s.want)
				}
			}
		})
	}
}

// TestWarmGetArmsHorizon: with the real clock, a warm Get that had to
// read the clock leaves the horizon at the snapshot's expiry, so the next
// Get needs no clock read; Invalidate still forces a fetch.
func TestWarmGetArmsHorizon(t *testing.T) {
	t.Parallel()
	calls := 0
	b := BackendFunc(func(context.Context, Ref) (string, error) {
		calls++
		return "v", nil
	})
	var cfg struct {
		S Secret[string] `secret:"/k,ttl=1h"`
	}
	l := New(b)
	defer l.Close()
	ctx := context.Background()
	if err := l.Load(ctx, &cfg); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if v, err := cfg.S.Get(ctx); err != nil || v != "v" {
			t.Fatalf("Get = %q, %v", v, err)
		}
	}
	sn := cfg.S.b.snap.Load()
	if !l.surelyBefore(sn.expires) {
		t.Error("a warm Get did not arm the horizon at the snapshot's expiry")
	}
	l.Invalidate(Ref{Path: "/k"})
	if v, err := cfg.S.Get(ctx); err != nil || v != "v" {
		t.Fatalf("Get after Invalidate = %q, %v", v, err)
	}
	if calls != 2 {
		t.Errorf("backend calls = %d, want 2 (the first Get, the Get after Invalidate)", calls)
	}
}

func TestMarginFor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ lead, want time.Duration }{
		{10 * time.Millisecond, time.Millisecond},
		{100 * time.Millisecond, 1562500 * time.Nanosecond},
		{time.Minute, 937500 * time.Microsecond},
		{time.Hour, time.Second},
	} {
		if got := marginFor(tc.lead); got != tc.want {
			t.Errorf("marginFor(%v) = %v, want %v", tc.lead, got, tc.want)
		}
	}
	l := New(BackendFunc(func(context.Context, Ref) (string, error) { return "", nil }))
	defer l.Close()
	l.watch(int64(minHorizonLead)-1, 0)
	if l.surelyBefore(int64(time.Hour)) {
		t.Errorf("a value expiring within %v armed a horizon", minHorizonLead)
	}
}
