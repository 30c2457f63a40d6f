package vaultly

import (
	"context"
	"errors"
	"time"

	"github.com/vaultly/vaultly/internal/fanout"
)

// fetchResult is the outcome of one target in Load: its text, and the
// cache entry that holds it when a Secret field reads the target. done is
// false for a Secret field that Load does not fetch (no prefetch).
type fetchResult struct {
	text string
	e    *entry
	err  error
	done bool
}

// refSet is what a Load fetches.
//
// A unit is one question to the backend: a Ref for Get (or GetBatch), a
// prefix for GetPrefix, a Ref for GetLease. A target is one slotKey that
// fields read: a unit's answer as it is, or (for a backend that does not
// read keys) one member of it, the core taking the member. Several
// targets share a unit when fields take different keys of one document.
// at holds, for each job, the index of its target, or -1 when nothing
// fetches it (a Secret without prefetch whose target no plain field
// reads).
type refSet struct {
	units   []slotKey
	targets []target
	at      []int32
}

// target is one slotKey that Load fills: the unit it comes from, and the
// member the core takes from that unit's answer ("" for the answer
// itself).
type target struct {
	key    slotKey
	unit   int32
	member string
}

// dedupe lists the targets of the plain fields (and of the Secret fields
// under prefetch), once per group of fields with the same template,
// version, key, kind and bound (plan.go), and the units they come from:
// one per target for a backend that reads keys, one per document (a
// docGroup) for any other. jobs[i] is the job of plan field i. Two
// templates that render the same path are rare enough to be asked for
// twice (a batch backend answers a repeated Ref once).
func dedupe(jobs []job, prefetch, readsKeys bool) refSet {
	rs := refSet{at: make([]int32, len(jobs)), targets: make([]target, 0, len(jobs)), units: make([]slotKey, 0, len(jobs))}
	// By group leader: the index of its target, and by docGroup leader
	// (or group leader, when the backend reads keys) that of its unit;
	// -1 for none yet.
	byGroup := make([]int32, 2*len(jobs))
	byUnit := byGroup[len(jobs):]
	for i := range byGroup {
		byGroup[i] = -1
	}
	for i, j := range jobs {
		rs.at[i] = -1
		if j.f.lazy && !prefetch {
			continue
		}
		g := j.f.group
		if byGroup[g] < 0 {
			t := target{key: slotKey{ref: j.ref, kind: j.f.kind, max: j.f.prefixMax()}}
			asked, ug := t.key, g
			if j.ref.Key != "" && !readsKeys {
				asked.ref.Key, ug, t.member = "", j.f.docGroup, j.ref.Key
			}
			if byUnit[ug] < 0 {
				byUnit[ug] = int32(len(rs.units))
				rs.units = append(rs.units, asked)
			}
			t.unit = byUnit[ug]
			byGroup[g] = int32(len(rs.targets))
			rs.targets = append(rs.targets, t)
		}
		rs.at[i] = byGroup[g]
	}
	if !prefetch {
		// A Secret whose target a plain field fetches anyway starts warm.
		for i, j := range jobs {
			if j.f.lazy {
				rs.at[i] = byGroup[j.f.group]
			}
		}
	}
	return rs
}

// fetchAll fetches rs's units and returns each job's slot (nil for plain
// fields) and the results by target. Get units go in one GetBatch, or
// with bounded concurrency from a backend that cannot batch; prefix and
// lease units go with bounded concurrency, beside the batch. Load always
// asks the backend, so that a second Load through one Loader sees current
// values. Only targets that a Secret field reads get a cache slot: a
// plain field is filled once.
func (l *Loader) fetchAll(ctx context.Context, jobs []job, rs refSet) ([]*slot, []fetchResult) {
	slots := make([]*slot, len(jobs))
	// tslots[k] is the slot of targets[k], nil when no Secret field reads it.
	tslots := make([]*slot, len(rs.targets))
	for i, j := range jobs {
		if !j.f.lazy {
			continue
		}
		slots[i] = l.slot(slotKey{ref: j.ref, kind: j.f.kind, max: j.f.prefixMax()})
		if k := rs.at[i]; k >= 0 {
			tslots[k] = slots[i]
		}
	}
	if len(rs.targets) == 0 {
		return slots, nil
	}
	out := make([]fetchResult, len(rs.targets))
	// byUnit lists each unit's targets, in order.
	byUnit := make([][]int32, len(rs.units))
	for k, t := range rs.targets {
		byUnit[t.unit] = append(byUnit[t.unit], int32(k))
	}
	var batch, each []int32 // unit indexes
	bb, batches := l.b.(BatchBackend)
	for u, k := range rs.units {
		if batches && k.kind == readGet {
			batch = append(batch, int32(u))
		} else {
			each = append(each, int32(u))
		}
	}
	if len(batch) > 0 && len(each) > 0 {
		done := make(chan struct{})
		go func() {
			defer close(done)
			l.fetchEach(ctx, rs, each, byUnit, tslots, out)
		}()
		l.fetchBatch(ctx, bb, rs, batch, byUnit, tslots, out)
		<-done
		return slots, out
	}
	if len(batch) > 0 {
		l.fetchBatch(ctx, bb, rs, batch, byUnit, tslots, out)
	} else {
		l.fetchEach(ctx, rs, each, byUnit, tslots, out)
	}
	return slots, out
}

// answer writes into out the results of unit u's targets from the unit's
// answer (text, valid, err), the core taking each target's member, and
// records each in its slot under the same rule as a single fetch (see
// record): gens are the slots' generations and seq the call's number,
// both taken before the call started. A failure after the caller's
// context ended is the caller's, not the store's, and is not recorded.
func (l *Loader) answer(ctx context.Context, rs refSet, targets []int32, tslots []*slot, gens []uint64, seq uint64, text string, valid time.Duration, err error, out []fetchResult) {
	for n, k := range targets {
		t := rs.targets[k]
		ttext, terr := text, err
		if t.member != "" {
			ttext, terr = member(t.key.ref, text, err)
		}
		r := fetchResult{text: ttext, err: terr, done: true}
		if s := tslots[k]; s != nil && (terr == nil || ctx.Err() == nil) {
			r.e, r.err = l.record(s, gens[n], seq, ttext, valid, terr)
			if r.e != nil {
				r.text = r.e.text // a newer answer may have overtaken this one
			}
		}
		out[k] = r
	}
}

// gensOf returns the generations of the slots of targets.
func gensOf(targets []int32, tslots []*slot) []uint64 {
	gens := make([]uint64, len(targets))
	for n, k := range targets {
		if s := tslots[k]; s != nil {
			gens[n] = s.gen.Load()
		}
	}
	return gens
}

// fetchBatch asks for the units in one GetBatch.
func (l *Loader) fetchBatch(ctx context.Context, bb BatchBackend, rs refSet, units []int32, byUnit [][]int32, tslots []*slot, out []fetchResult) {
	gens := make([][]uint64, len(units))
	refs := make([]Ref, len(units))
	for n, u := range units {
		gens[n] = gensOf(byUnit[u], tslots)
		refs[n] = rs.units[u].ref
	}
	seq := l.seq.Add(1)
	start := time.Now()
	values, err := l.getBatch(ctx, bb, refs)
	took := time.Since(start)
	for n, u := range units {
		text, rerr := batchResult(refs[n], values, err)
		if h := l.o.hooks; h != nil && h.OnFetch != nil {
			h.OnFetch(refs[n], took, rerr)
		}
		l.answer(ctx, rs, byUnit[u], tslots, gens[n], seq, text, 0, rerr, out)
	}
}

// getBatch calls bb.GetBatch on Load's goroutine, turning a panic into an
// ErrTransient error for the whole batch. (A backend that calls
// runtime.Goexit ends Load's goroutine, as any function called there
// would: running the batch on a goroutine of its own to survive that cost
// a third of Load's time, see docs/decisions.md.)
func (l *Loader) getBatch(ctx context.Context, bb BatchBackend, refs []Ref) (values map[Ref]string, err error) {
	defer func() {
		if recover() != nil {
			values, err = nil, l.panicked(Ref{})
		}
	}()
	return bb.GetBatch(l.backendContext(ctx), refs)
}

// fetchEach asks for the units one call each, at most WithConcurrency at
// once. A unit read by one Secret's slot alone goes through the slot's
// single flight, so that readers of the Secret share Load's call.
func (l *Loader) fetchEach(ctx context.Context, rs refSet, units []int32, byUnit [][]int32, tslots []*slot, out []fetchResult) {
	errs := fanout.Run(ctx, len(units), l.o.concurrency, func(n int) error {
		u := units[n]
		targets := byUnit[u]
		if k := targets[0]; len(targets) == 1 && rs.targets[k].member == "" && tslots[k] != nil {
			e, err := l.fetch(ctx, tslots[k], nil, true)
			out[k] = fetchResult{e: e, err: err, done: true}
			if e != nil {
				out[k].text = e.text
			}
			return nil
		}
		gens := gensOf(targets, tslots)
		seq := l.seq.Add(1)
		text, valid, err := l.call(ctx, rs.units[u])
		l.answer(ctx, rs, targets, tslots, gens, seq, text, valid, err, out)
		return nil
	})
	for n, err := range errs {
		if err == nil {
			continue
		}
		u := units[n]
		if errors.Is(err, fanout.ErrPanicked) { // the backend ended the goroutine
			err = l.panicked(rs.units[u].ref)
		}
		// else never started: ctx ended
		for _, k := range byUnit[u] {
			out[k] = fetchResult{err: err, done: true}
		}
	}
}
