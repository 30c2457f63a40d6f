package vaultly

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"weak"

	"github.com/vaultly/vaultly/internal/contract"
	"github.com/vaultly/vaultly/internal/fanout"
)

// The cache holds one slot per Ref that a Secret field names. A Secret
// keeps a pointer to its slot and reads it without the map. The map holds
// slots weakly: a slot that no Secret, fetch, background refresh or
// WithMaxEntries ring holds any more is collected with its value, and its
// map entry is swept later (sweepLocked), so a Loader that loads structs
// for many tenants and drops them does not grow without limit.
//
// Every backend answer goes into a slot through record, under one rule:
// the answer of a call is kept only if no Invalidate came after the call
// started and no call that started later has answered already. So a slow
// call (or a slow Load batch) never overwrites a newer value.

// slotKey names a slot: what it reads and how. A Ref read with Get, with
// GetLease and (ending in "/") as a prefix are three different values,
// and a prefix read under two bounds two different answers.
type slotKey struct {
	ref  Ref
	kind readKind
	max  int // a prefix's bound; 0 for the other kinds
}

// slot holds the current entry of one slotKey.
type slot struct {
	slotKey // what it reads: s.ref, s.kind, s.max
	// cur is the last good value, fresh or not; nil when never fetched,
	// invalidated, or gone (the store said not found or denied).
	cur atomic.Pointer[entry]
	// fail is the last transient failure since cur was fetched, or nil.
	// While it is recent, a field that may serve stale values serves
	// fail.after without asking the store again.
	fail atomic.Pointer[failure]
	// gen counts invalidations: a call that started before one does not
	// publish its answer, and later callers do not share it.
	gen atomic.Uint64
	// background is set while a refresh-ahead fetch runs.
	background atomic.Bool
	// used is set by every read; the WithMaxEntries clock hand clears it
	// (bound.go). ringAt is the slot's index in Loader.ring, -1 when it is
	// not there; guarded by Loader.mu.
	used   atomic.Bool
	ringAt int32
	// ttl is the shortest finite, positive TTL of the Secrets bound to the
	// slot (0: none), which decides when it is due for a refresh together
	// with others (refresh.go) and caps its failure backoff.
	ttl atomic.Int64
	// joined is set while a refresh together that this slot is part of,
	// started by a reader of another slot, is in flight (refresh.go).
	joined atomic.Pointer[batchRun]
	// cohort is the slots read with Get that the last Load binding this
	// slot bound with it: the ones a refresh together considers
	// (refresh.go). nil when that Load bound no other, or the backend
	// cannot batch.
	cohort atomic.Pointer[cohort]

	mu sync.Mutex // serialises record
	// newest is the seq of the newest call that gave a value or dropped
	// one (a transient failure changes no value); guarded by mu.
	newest uint64
}

// entry is one fetched value. Entries are immutable once published.
type entry struct {
	text    string
	fetched int64   // on the Loader's clock (see Loader.clock)
	jitter  float64 // fraction of the TTL cut off this entry, in [0, f)
	// lease is how long after fetched the value stops being fresh because
	// of its lease, whatever the field's TTL (lease.go); 0 when it has
	// none.
	lease time.Duration
}

// failure is a transient failure of the call numbered seq, at a time on
// the Loader's clock, while after was the slot's current entry: only that
// entry may be served stale on its account. err is the failure (for the
// warning of a reader that did not make the call: refresh.go), streak
// counts the transient failures in a row it ends (a value resets it), and
// wait is how long after at the store is not asked again (see backoff).
type failure struct {
	at     int64
	seq    uint64
	after  *entry
	err    error
	streak int
	wait   time.Duration
}

// flightKey names one shared call: a slot at one generation.
type flightKey struct {
	s   *slot
	gen uint64
}

// slot returns the slot of k, making it if needed.
func (l *Loader) slot(k slotKey) *slot {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s := l.slots[k].Value(); s != nil {
		return s
	}
	if len(l.slots) >= l.sweepAt {
		l.sweepLocked()
	}
	s := &slot{slotKey: k, ringAt: -1}
	l.slots[k] = weak.Make(s)
	return s
}

// sweepLocked drops the map entries of collected slots, into a new map
// (a Go map never shrinks), and sets the next sweep for when the map has
// doubled, so that sweeping costs O(1) per slot made. l.mu must be held.
func (l *Loader) sweepLocked() {
	live := make(map[slotKey]weak.Pointer[slot], len(l.slots)/2)
	for ref, wp := range l.slots {
		if wp.Value() != nil {
			live[ref] = wp
		}
	}
	l.slots = live
	l.sweepAt = max(2*len(live), 64)
}

// Invalidate drops the cached values of refs: the next Get of each fetches.
// A Ref stands for every way of reading it: with Get, with a lease, and
// (a Ref whose path ends in "/") as a prefix under any bound.
func (l *Loader) Invalidate(refs ...Ref) {
	l.mu.Lock()
	defer l.mu.Unlock()
	drop := func(k slotKey) {
		if s := l.slots[k].Value(); s != nil {
			l.leaveRingLocked(s)
			s.reset()
		}
	}
	scan := false
	for _, r := range refs {
		drop(slotKey{ref: r})
		drop(slotKey{ref: r, kind: readLease})
		scan = scan || strings.HasSuffix(r.Path, "/") && r.Version == "" && r.Key == ""
	}
	if !scan {
		return
	}
	for k := range l.slots { // a prefix's slot: its bound is not in the Ref
		if k.kind == readPrefix && slices.Contains(refs, k.ref) {
			drop(k)
		}
	}
}

// InvalidateAll drops every cached value, and the map entries of the
// slots no Secret holds any more.
func (l *Loader) InvalidateAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.ring {
		s.ringAt = -1
	}
	clear(l.ring)
	l.ring = l.ring[:0]
	for _, wp := range l.slots {
		if s := wp.Value(); s != nil {
			s.reset()
		}
	}
	l.sweepLocked()
}

func (s *slot) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen.Add(1)
	s.cur.Store(nil)
	s.fail.Store(nil)
}

// fetch returns a new entry for s, sharing one backend call among every
// caller that asks while it runs (the rule for a caller whose context ends
// is internal/flight's). seen is the entry the caller found too old: if
// another call has published a newer one by the time the shared call
// starts, that one is the answer and the backend is not asked, so a reader
// that reaches the call just after one ended does not start a second.
//
// With force set (Refresh, Load), a call already in flight is not shared:
// its answer may predate a change the caller knows about (a rotation), so
// fetch starts a call of its own, which later callers share.
func (l *Loader) fetch(ctx context.Context, s *slot, seen *entry, force bool) (*entry, error) {
	key := flightKey{s: s, gen: s.gen.Load()}
	do := l.flights.Do
	if force {
		do = l.flights.DoNew
	}
	e, err := do(ctx, key, func(cctx context.Context) (*entry, error) {
		if cur := s.cur.Load(); !force && cur != nil && cur != seen {
			return cur, nil
		}
		if bb, ok := l.b.(BatchBackend); ok && !force && s.kind == readGet {
			if e, done, err := l.refreshTogether(cctx, bb, s, key.gen, seen); done {
				return e, err
			}
		}
		seq := l.seq.Add(1)
		text, valid, err := l.call(cctx, s.slotKey)
		if err != nil && cctx.Err() != nil {
			return nil, err // every caller has gone: not the store's failure
		}
		return l.record(s, key.gen, seq, text, valid, err, l.draw())
	})
	if errors.Is(err, fanout.ErrPanicked) { // the backend ended the call's goroutine
		err = l.panicked(s.ref)
	}
	return e, err
}

func (l *Loader) panicked(ref Ref) error {
	return &BackendError{Backend: contract.Name(l.b), Kind: ErrTransient, Ref: ref, Err: fanout.ErrPanicked}
}

// record keeps the outcome of the call numbered seq, which started while s
// was at generation gen, and returns what its callers should get. valid
// is the value's lease (0: none). r is the call's random draw, in [0, 1)
// (see draw): one per backend call, so that the entries a call fetched
// together expire together, and back off together when it failed.
//   - A value becomes s's current entry.
//   - A transient failure (isTransient) opens the stale window for the
//     current entry (slot.fail).
//   - Any other failure (not found, denied, a Ref the store cannot serve)
//     drops the current value: it is never served again, not even stale.
//
// An outcome is kept only if no Invalidate came after the call started and
// no call that started later has given a value or dropped one. An
// overtaken call's callers get the newer value if there is one, else their
// own outcome, which is not kept.
func (l *Loader) record(s *slot, gen, seq uint64, text string, valid time.Duration, err error, r float64) (*entry, error) {
	var e *entry
	if err == nil {
		e = &entry{text: text, fetched: l.clock(), lease: leaseFresh(valid), jitter: r * l.o.jitter}
	}
	s.mu.Lock()
	had := s.cur.Load() != nil
	e, err = l.recordLocked(s, gen, seq, e, err, r)
	counted := !had && s.cur.Load() != nil
	s.mu.Unlock()
	if counted && l.o.maxEntries > 0 {
		l.admit(s)
	}
	return e, err
}

// draw is the random draw of one backend call, in [0, 1).
func (l *Loader) draw() float64 { return rand.Float64() }

// recordLocked is record with s.mu held; e is the new entry when the call
// gave a value.
func (l *Loader) recordLocked(s *slot, gen, seq uint64, e *entry, err error, r float64) (*entry, error) {
	if s.gen.Load() != gen {
		return e, err // for its callers alone
	}
	if seq <= s.newest {
		if cur := s.cur.Load(); cur != nil {
			return cur, nil // a later call has answered, or this one (a batch naming the Ref twice)
		}
		return e, err
	}
	switch {
	case err == nil:
		s.newest = seq
		s.cur.Store(e)
		if f := s.fail.Load(); f != nil && f.seq < seq {
			s.fail.Store(nil)
		}
	case isTransient(err):
		if f := s.fail.Load(); f == nil || f.seq < seq {
			streak := 1
			if f != nil {
				streak = f.streak + 1
			}
			s.fail.Store(&failure{at: l.clock(), seq: seq, after: s.cur.Load(), err: err, streak: streak, wait: l.backoff(s, streak, r)})
		}
	default:
		s.newest = seq
		s.cur.Store(nil)
		s.fail.Store(nil)
	}
	return e, err
}

// refreshAhead starts one background fetch of s, to replace e, unless one
// is running, e was replaced already (a reader may notice an entry's age
// just as a refresh replaces it), the store failed moments ago, or the
// Loader is closed.
func (l *Loader) refreshAhead(s *slot, e *entry, now int64) {
	// Load before the CompareAndSwap: while a refresh runs, every warm read
	// comes here, and a failed CompareAndSwap still takes the cache line.
	if l.recentFailure(s, now) != nil || s.background.Load() || !s.background.CompareAndSwap(false, true) {
		return
	}
	if s.cur.Load() != e {
		s.background.Store(false)
		return
	}
	l.bgMu.Lock()
	if l.bgCtx.Err() != nil { // closed
		l.bgMu.Unlock()
		s.background.Store(false)
		return
	}
	l.bg.Add(1)
	l.bgMu.Unlock()
	go func() {
		defer l.bg.Done()
		defer s.background.Store(false)
		if _, err := l.fetch(l.bgCtx, s, e, false); err != nil && l.bgCtx.Err() == nil {
			l.o.logger.Warn("vaultly: background refresh failed; serving the current value until it expires",
				"path", s.ref.String(), "error", err)
		}
	}()
}

// recentFailure returns the last transient failure of s if it happened
// less than its wait (the stale retry interval, longer after failures in
// a row: backoff) before now.
func (l *Loader) recentFailure(s *slot, now int64) *failure {
	if f := s.fail.Load(); f != nil && now-f.at < int64(f.wait) {
		return f
	}
	return nil
}

// backoff is how long the store is not asked again for s after the
// streak-th transient failure in a row: the stale retry interval after
// the first; then it doubles, up to a cap of the slot's TTL or five
// minutes, whichever is shorter (never under the stale retry interval),
// and the wait is drawn from its upper half with r, so that a fleet
// throttled together does not come back together. A store that is
// throttling is asked less and less often while stale values are served:
// at the cap, a fleet whose refreshes all fail asks no more often than
// its refreshes would (once a TTL), so retries do not deepen an overload;
// five minutes bounds how long a store that has recovered goes unasked.
func (l *Loader) backoff(s *slot, streak int, r float64) time.Duration {
	base := l.o.staleRetry
	if streak <= 1 || base <= 0 {
		return base
	}
	limit := maxBackoff
	if ttl := time.Duration(s.ttl.Load()); ttl > 0 {
		limit = min(limit, ttl)
	}
	limit = max(limit, base)
	d := base
	for i := 1; i < streak && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	return max(base, d/2+time.Duration(r*float64(d/2)))
}

// maxBackoff caps backoff whatever the TTL.
const maxBackoff = 5 * time.Minute

// isTransient reports whether a backend's failure may pass: ErrTransient,
// and anything unknown (an unclassified error, the backend's own timeout),
// as the Backend contract says. Not found, denied and configuration errors
// are not.
func isTransient(err error) bool {
	return !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrAuth) && !errors.Is(err, ErrConfig)
}

func (l *Loader) backendContext(ctx context.Context) context.Context {
	if l.o.hooks == nil {
		return ctx
	}
	return withHooks(ctx, l.o.hooks)
}
