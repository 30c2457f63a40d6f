package vaultly

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// cache maps each Ref to a slot. Slots are created once and never removed
// (Invalidate empties them), so a Secret can keep a pointer to its slot and
// read it without touching the map. Unversioned Refs, nearly all of them,
// are keyed by their path alone: a string key is half the size of a Ref.
type cache struct {
	mu        sync.Mutex
	slots     map[string]*slot // Refs without a Version, by path
	versioned map[Ref]*slot
}

// entry is one fetched value. Entries are immutable once published.
type entry struct {
	text    string
	fetched int64   // on the Loader's clock (see Loader.clock)
	jitter  float64 // fraction of the TTL cut off this entry, in [0, f)
}

// slot holds the current entry of one Ref and coordinates fetches.
type slot struct {
	ref Ref
	// cur is the last good value, fresh or not; nil when never fetched or
	// invalidated. Expired entries stay here as stale candidates.
	cur atomic.Pointer[entry]
	// failedAt is 1 + the Loader clock (see Loader.clock) at the last
	// failed fetch, 0 after a success; failures counts failed fetches, so
	// that a warning is logged once per failed attempt, not once per read.
	failedAt atomic.Int64
	failures atomic.Uint32
	// background is set while a refresh-ahead fetch runs.
	background atomic.Bool
	// gen counts invalidations: a fetch that started before one neither
	// publishes its answer nor is shared with callers after it.
	gen atomic.Uint64

	mu     sync.Mutex
	flight *flight
}

// flight is one backend call that concurrent readers share.
type flight struct {
	done chan struct{}
	e    *entry
	err  error
	// abandoned: the caller that made the call had its context end, so
	// the error is that caller's, not the backend's.
	abandoned bool
	gen       uint64 // the slot's generation when the call started
}

func (c *cache) slot(ref Ref) *slot {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.lookupLocked(ref); s != nil {
		return s
	}
	s := &slot{ref: ref}
	c.insertLocked(s, 1)
	return s
}

// lookupLocked returns the slot of ref, or nil. c.mu must be held.
func (c *cache) lookupLocked(ref Ref) *slot {
	if ref.Version == "" {
		return c.slots[ref.Path]
	}
	return c.versioned[ref]
}

// insertLocked adds s; hint sizes a map made for it. c.mu must be held.
func (c *cache) insertLocked(s *slot, hint int) {
	if s.ref.Version == "" {
		if c.slots == nil {
			c.slots = make(map[string]*slot, hint)
		}
		c.slots[s.ref.Path] = s
		return
	}
	if c.versioned == nil {
		c.versioned = make(map[Ref]*slot)
	}
	c.versioned[s.ref] = s
}

// slotsFor returns the slot of each Ref, creating the missing ones with one
// allocation.
func (c *cache) slotsFor(refs []Ref) []*slot {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*slot, len(refs))
	var fresh []slot
	for i, r := range refs {
		s := c.lookupLocked(r)
		if s == nil {
			if len(fresh) == 0 {
				fresh = make([]slot, len(refs)-i)
			}
			s, fresh = &fresh[0], fresh[1:]
			s.ref = r
			c.insertLocked(s, len(refs))
		}
		out[i] = s
	}
	return out
}

func (c *cache) invalidate(refs []Ref) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range refs {
		if s := c.lookupLocked(r); s != nil {
			s.reset()
		}
	}
}

func (c *cache) invalidateAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.slots {
		s.reset()
	}
	for _, s := range c.versioned {
		s.reset()
	}
}

func (s *slot) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen.Add(1)
	s.cur.Store(nil)
	s.failedAt.Store(0)
}

// expiry is when e stops being fresh for a field with the given TTL.
func (e *entry) expiry(ttl time.Duration) int64 {
	eff := ttl
	if e.jitter > 0 {
		eff = time.Duration(float64(ttl) * (1 - e.jitter))
	}
	if int64(eff) > math.MaxInt64-e.fetched {
		return math.MaxInt64
	}
	return e.fetched + int64(eff)
}

// fetch returns a fresh entry for s, sharing one backend call among every
// concurrent caller. If the caller that started the call gives up (its
// context ends), the others start another call rather than fail with an
// error that is not theirs.
//
// With after set (Refresh), a call already in flight when fetch is called
// is not shared: its answer may predate a change the caller knows about
// (a rotation), so fetch waits for it to end and then shares only a call
// that started after it was called.
func (l *Loader) fetch(ctx context.Context, s *slot, after bool) (*entry, error) {
	for {
		s.mu.Lock()
		f := s.flight
		if f == nil {
			f = &flight{done: make(chan struct{}), gen: s.gen.Load()}
			s.flight = f
			s.mu.Unlock()
			l.run(ctx, s, f)
			return f.e, f.err
		}
		s.mu.Unlock()
		older := after || f.gen != s.gen.Load()
		after = false
		select {
		case <-f.done:
			if older || (f.abandoned && ctx.Err() == nil) {
				continue
			}
			return f.e, f.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (l *Loader) run(ctx context.Context, s *slot, f *flight) {
	finished := false
	defer func() {
		if !finished {
			f.err = &BackendError{Kind: ErrTransient, Ref: s.ref, Err: errors.New("backend panicked")}
		}
		s.mu.Lock()
		s.flight = nil
		s.mu.Unlock()
		close(f.done)
	}()
	start := time.Now() // wall time for the hook, whatever WithClock says
	text, err := l.b.Get(l.backendContext(ctx), s.ref)
	if h := l.o.hooks; h != nil && h.OnFetch != nil {
		h.OnFetch(s.ref, time.Since(start), err)
	}
	if err != nil {
		f.err = err
		f.abandoned = ctx.Err() != nil
		if !f.abandoned {
			s.failures.Add(1)
			s.failedAt.Store(l.clock() + 1)
		}
	} else {
		e := &entry{}
		s.mu.Lock()
		if s.gen.Load() == f.gen {
			l.publish(s, e, text)
		} else {
			*e = entry{text: text, fetched: l.clock()} // for this caller only
		}
		s.mu.Unlock()
		f.e = e
	}
	finished = true
}

// publish fills e with a newly fetched value and makes it s's current one.
func (l *Loader) publish(s *slot, e *entry, text string) *entry {
	*e = entry{text: text, fetched: l.clock()}
	if l.o.jitter > 0 {
		e.jitter = rand.Float64() * l.o.jitter
	}
	s.cur.Store(e)
	s.failedAt.Store(0)
	return e
}

// recentFailure reports whether the last fetch of s failed less than the
// stale retry interval ago.
func (l *Loader) recentFailure(s *slot, now int64) bool {
	at := s.failedAt.Load()
	return at != 0 && now-(at-1) < int64(l.o.staleRetry)
}

// refreshAhead starts one background fetch of s, to replace e, unless one
// is running, e was replaced already (a reader may notice an entry's age
// just as a refresh replaces it), the last attempt failed recently, or the
// loader is closed.
func (l *Loader) refreshAhead(s *slot, e *entry, now int64) {
	if l.recentFailure(s, now) || !s.background.CompareAndSwap(false, true) {
		return
	}
	if s.cur.Load() != e {
		s.background.Store(false)
		return
	}
	l.bgMu.Lock()
	if l.closed {
		l.bgMu.Unlock()
		s.background.Store(false)
		return
	}
	if l.bgCtx == nil { // made on first use: most Loaders never refresh ahead
		l.bgCtx, l.bgCancel = context.WithCancel(context.Background())
	}
	ctx := l.bgCtx
	l.bg.Add(1)
	l.bgMu.Unlock()
	go func() {
		defer l.bg.Done()
		defer s.background.Store(false)
		if _, err := l.fetch(ctx, s, false); err != nil && ctx.Err() == nil {
			l.o.logger.Warn("vaultly: background refresh failed; serving the current value until it expires",
				"path", s.ref.String(), "error", err)
		}
	}()
}

func (l *Loader) backendContext(ctx context.Context) context.Context {
	if l.o.hooks == nil {
		return ctx
	}
	return withHooks(ctx, l.o.hooks)
}

// staleAllowed reports whether err permits serving a stale value: a
// transient failure while the caller is still waiting.
func staleAllowed(ctx context.Context, err error) bool {
	return ctx.Err() == nil && errors.Is(err, ErrTransient)
}

var errNotLoaded = fmt.Errorf("%w: this Secret was never loaded: pass the struct that holds it to vaultly.Load", ErrConfig)
