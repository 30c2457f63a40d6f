package vaultly

import (
	"context"
	"sync/atomic"
	"testing"
)

// TestRefreshAheadSkipsAReplacedEntry: a reader that noticed an entry's
// age just as a refresh replaced it starts no second refresh.
func TestRefreshAheadSkipsAReplacedEntry(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	l, err := New(backendFunc(func(context.Context, Ref) (string, error) {
		calls.Add(1)
		return "v3", nil
	}), WithRefreshAhead(0.5))
	if err != nil {
		t.Fatal(err)
	}
	s := l.slot(slotKey{ref: Ref{Path: "/k"}})
	old, _ := l.record(s, 0, l.seq.Add(1), "v1", 0, nil, 0)
	cur, _ := l.record(s, 0, l.seq.Add(1), "v2", 0, nil, 0) // a refresh replaced old
	now := l.clock()

	l.refreshAhead(s, old, now) // the late reader: nothing to do
	l.bg.Wait()
	if n := calls.Load(); n != 0 {
		t.Errorf("a refresh started for a replaced entry (%d fetches)", n)
	}
	l.refreshAhead(s, cur, now) // a reader of the current entry: one refresh
	l.bg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("background fetches = %d, want 1", n)
	}
	if got := s.cur.Load().text; got != "v3" {
		t.Errorf("current value = %q, want v3", got)
	}
}

type backendFunc func(ctx context.Context, ref Ref) (string, error)

func (f backendFunc) Get(ctx context.Context, ref Ref) (string, error) { return f(ctx, ref) }
