package vaultly

import (
	"context"
	"time"
	"weak"
)

// Refreshing together. A fleet's quota is spent in requests, and a batch
// backend answers ten or twenty Refs in one (SSM's GetParameters,
// Secrets Manager's BatchGetSecretValue). Load asks for every field in
// one GetBatch; so that the refreshes that follow cost no more, the read
// that finds its entry expired (or due for refresh-ahead) asks, in the
// same GetBatch, for every other entry bound by the same Load (its
// cohort) that is due soon and not being fetched already. The entries a call fetches share one jitter
// draw (record), so they expire together and are refreshed together
// again: one Loader of 100 Secrets on SSM makes 10 requests a TTL, not
// 100.
//
// Due soon means expiring, or reaching its refresh-ahead point, within a
// tenth of its TTL (refreshWindow), either side: as wide as the default
// TTL jitter, so entries that were fetched apart but whose expiries the
// jitter brought close go together, while no entry loses more than a
// tenth of its TTL. An entry expired longer ago is one that nobody has
// read since (a read would have refreshed it): it waits for its next
// read, so that a field read once a day is not fetched every TTL; unless
// it is being served stale after a transient failure, which a refresh
// together renews with the others once its backoff is over (while it
// lasts, recentFailure, it waits). Prefixes and leases keep their own
// calls.

// refreshWindow is how close to its expiry (or refresh-ahead point),
// as a fraction of its TTL, an entry joins another's refresh.
const refreshWindow = 0.1

// batchRun is one refresh together in flight; done is closed once every
// answer of it has been recorded, and errs then holds the failures of the
// slots that joined it.
type batchRun struct {
	done chan struct{}
	errs map[*slot]error
}

// joinedSlot is a slot asked for in a refresh together, with its
// generation when it joined.
type joinedSlot struct {
	s   *slot
	gen uint64
}

// refreshTogether fetches s (at generation gen), which a reader found
// expired or due for refresh-ahead, in one GetBatch with every other
// slot that is due soon, records every answer under the rule of record,
// and returns s's. When s is part of another reader's refresh together,
// it waits for that one instead. done is false when nothing else is due:
// the caller asks for s alone.
func (l *Loader) refreshTogether(ctx context.Context, bb BatchBackend, s *slot, gen uint64, seen *entry) (e *entry, done bool, err error) {
	if s.cohort.Load() == nil {
		// Bound alone, so never part of another's refresh together
		// (a slot's cohort, once set, is only ever replaced): no run to
		// make or wait for.
		return nil, false, nil
	}
	run := &batchRun{done: make(chan struct{}), errs: map[*slot]error{}}
	for !s.joined.CompareAndSwap(nil, run) {
		other := s.joined.Load()
		if other == nil {
			continue
		}
		select {
		case <-other.done:
		case <-ctx.Done():
			return nil, true, ctx.Err()
		}
		if cur := s.cur.Load(); cur != nil && cur != seen {
			return cur, true, nil
		}
		if err := other.errs[s]; err != nil {
			return nil, true, err
		}
	}
	others := l.joinDue(s, run)
	defer func() {
		for _, o := range others {
			o.s.joined.CompareAndSwap(run, nil)
		}
		s.joined.CompareAndSwap(run, nil)
		close(run.done)
	}()
	if len(others) == 0 {
		return nil, false, nil
	}
	// One Ref asked per slot, or per document for a backend that does not
	// read keys (the core takes each member, as Load does).
	refs := []Ref{l.asked(s.ref)}
	inBatch := map[Ref]bool{refs[0]: true}
	for _, o := range others {
		if a := l.asked(o.s.ref); !inBatch[a] {
			inBatch[a] = true
			refs = append(refs, a)
		}
	}
	seq, r := l.seq.Add(1), l.draw()
	values, berr := l.getBatch(ctx, bb, refs)
	answer := func(t *slot, gen uint64) (*entry, error) {
		text, terr := batchResult(l.asked(t.ref), values, berr)
		if t.ref.Key != "" && !l.readsKeys {
			text, terr = member(t.ref, text, terr)
		}
		if terr != nil && ctx.Err() != nil {
			return nil, terr // every caller has gone: not the store's failure
		}
		return l.record(t, gen, seq, text, 0, terr, r)
	}
	e, err = answer(s, gen)
	for _, o := range others { // published for the next reads of o
		// A failure is handed to o's waiting readers only if it is the
		// store's: when this call's callers have gone, they ask anew.
		if _, err := answer(o.s, o.gen); err != nil && ctx.Err() == nil {
			run.errs[o.s] = err
		}
	}
	return e, true, err
}

// asked is the Ref the backend is asked for to read ref with Get: ref
// itself, or its document when the backend does not read keys.
func (l *Loader) asked(ref Ref) Ref {
	if ref.Key != "" && !l.readsKeys {
		ref.Key = ""
	}
	return ref
}

// cohort is the slots read with Get that one Load bound to Secrets. A
// refresh together looks only there: what was loaded together is
// refreshed together, and the cost of looking is the size of one struct,
// not of the Loader's whole cache (a Loader serving 100,000 tenants,
// each loaded as its own struct, would otherwise scan them all on every
// expired read). It holds its slots weakly, so that it keeps none alive.
type cohort struct {
	slots []weak.Pointer[slot]
}

// bindCohort makes the slots read with Get among slots (nil entries and
// repeats allowed) one cohort, when there are two or more.
func bindCohort(slots []*slot) {
	c := &cohort{}
	seen := make(map[*slot]bool, len(slots))
	for _, s := range slots {
		if s != nil && s.kind == readGet && !seen[s] {
			seen[s] = true
			c.slots = append(c.slots, weak.Make(s))
		}
	}
	if len(c.slots) < 2 {
		return
	}
	for s := range seen {
		s.cohort.Store(c)
	}
}

// joinDue marks as part of run, and returns, every slot of s's cohort
// other than s that is due soon and not part of another refresh
// together.
func (l *Loader) joinDue(s *slot, run *batchRun) []joinedSlot {
	c := s.cohort.Load()
	if c == nil {
		return nil
	}
	now := l.clock()
	var out []joinedSlot
	for _, wp := range c.slots {
		o := wp.Value()
		if o == nil || o == s || o.kind != readGet || !l.dueSoon(o, now) || !o.joined.CompareAndSwap(nil, run) {
			continue
		}
		out = append(out, joinedSlot{s: o, gen: o.gen.Load()})
	}
	return out
}

// dueSoon reports whether s's entry expires, or reaches its refresh-ahead
// point, within refreshWindow of its TTL from now, either side, for the
// shortest TTL of the Secrets that read it, or is past it after a
// transient failure; never for a slot without a value, without a finite
// TTL, or resting after a failure.
func (l *Loader) dueSoon(s *slot, now int64) bool {
	ttl := time.Duration(s.ttl.Load())
	e := s.cur.Load()
	if ttl <= 0 || e == nil || l.recentFailure(s, now) != nil {
		return false
	}
	life := time.Duration(float64(ttl) * (1 - e.jitter))
	if f := l.o.refreshAhead; f > 0 {
		life = time.Duration(float64(life) * f)
	}
	due, window := e.fetched+int64(life), int64(float64(ttl)*refreshWindow)
	return now >= due-window && (now <= due+window || s.fail.Load() != nil)
}

// noteTTL records that a Secret with this TTL reads s: the slot keeps the
// shortest finite, positive one.
func (s *slot) noteTTL(ttl time.Duration) {
	if ttl <= 0 || ttl == neverExpires {
		return
	}
	for {
		cur := s.ttl.Load()
		if cur != 0 && cur <= int64(ttl) || s.ttl.CompareAndSwap(cur, int64(ttl)) {
			return
		}
	}
}
