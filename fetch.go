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
// prefix for GetPrefix, a Ref for GetLease. A target is what one group of
// fields reads (one slotKey): a unit's answer as it is, or, for a backend
// that does not read keys, one member of it, which the core takes.
// Several targets share a unit when fields take different keys of one
// document; otherwise unit k is target k's.
type refSet struct {
	units []Ref
	// unitJob is, for each unit, the index of the first job that reads
	// it: its field says how (kind, bound).
	unitJob []int32
	// targets holds, for each target, its unit and the member the core
	// takes ("" for the unit's answer as it is).
	targets []target
	// at holds, for each job, the index of its target, or -1 when nothing
	// fetches it (a Secret without prefetch whose target no plain field
	// reads).
	at []int32
	// onlyGets: every unit is read with Get (no prefix, no lease).
	onlyGets bool
}

type target struct {
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
	n := len(jobs)
	ints := make([]int32, 4*n) // one allocation for at, unitJob and the two lists below
	rs := refSet{
		at:       ints[:n:n],
		unitJob:  ints[n : n : 2*n],
		targets:  make([]target, 0, n),
		units:    make([]Ref, 0, n),
		onlyGets: true,
	}
	// By group leader: the index of its target, and by docGroup leader
	// (or group leader, when the backend reads keys) that of its unit;
	// -1 for none yet.
	byGroup, byUnit := ints[2*n:3*n], ints[3*n:]
	for i := range ints[2*n:] {
		ints[2*n+i] = -1
	}
	for i, j := range jobs {
		rs.at[i] = -1
		if j.f.lazy && !prefetch {
			continue
		}
		g := j.f.group
		if byGroup[g] < 0 {
			var t target
			asked, ug := j.ref, g
			if j.ref.Key != "" && !readsKeys {
				asked.Key, ug, t.member = "", j.f.docGroup, j.ref.Key
			}
			if byUnit[ug] < 0 {
				byUnit[ug] = int32(len(rs.units))
				rs.units = append(rs.units, asked)
				rs.unitJob = append(rs.unitJob, int32(i))
				rs.onlyGets = rs.onlyGets && j.f.kind == readGet
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

// unitKey is the slotKey unit u reads: its Ref, its field's kind and
// bound.
func (rs refSet) unitKey(jobs []job, u int32) slotKey {
	f := jobs[rs.unitJob[u]].f
	return slotKey{ref: rs.units[u], kind: f.kind, max: f.prefixMax()}
}

// targetRef is the Ref of target k: its unit's, with its member as key.
func (rs refSet) targetRef(k int32) Ref {
	t := rs.targets[k]
	r := rs.units[t.unit]
	if t.member != "" {
		r.Key = t.member
	}
	return r
}

// unitTargets lists each unit's targets: unit u's are
// order[starts[u]:starts[u+1]], or order[u:u+1] when starts is nil (one
// target a unit, in order, the case without keys taken by the core).
type unitTargets struct {
	order, starts []int32
}

func (rs refSet) unitTargets() unitTargets {
	order := make([]int32, len(rs.targets))
	if len(rs.units) == len(rs.targets) {
		for k := range order {
			order[k] = int32(k)
		}
		return unitTargets{order: order}
	}
	starts := make([]int32, len(rs.units)+1)
	for _, t := range rs.targets {
		starts[t.unit+1]++
	}
	for u := range rs.units {
		starts[u+1] += starts[u]
	}
	next := append([]int32(nil), starts[:len(rs.units)]...)
	for k, t := range rs.targets {
		order[next[t.unit]] = int32(k)
		next[t.unit]++
	}
	return unitTargets{order: order, starts: starts}
}

// of returns unit u's targets.
func (ut unitTargets) of(u int32) []int32 {
	if ut.starts == nil {
		return ut.order[u : u+1]
	}
	return ut.order[ut.starts[u]:ut.starts[u+1]]
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
	bb, batches := l.b.(BatchBackend)
	if batches { // only a batch backend refreshes together (refresh.go)
		bindCohort(slots)
	}
	if len(rs.targets) == 0 {
		return slots, nil
	}
	f := fetcher{l: l, jobs: jobs, rs: rs, byUnit: rs.unitTargets(), tslots: tslots, out: make([]fetchResult, len(rs.targets))}
	for _, s := range tslots {
		if s != nil {
			f.gens = make([]uint64, len(rs.targets))
			break
		}
	}
	switch {
	case batches && rs.onlyGets:
		f.batch(ctx, bb, nil)
	case !batches:
		f.each(ctx, nil)
	default: // a batch of the Get units, and the others beside it
		var batch, each []int32
		for u := range rs.units {
			if jobs[rs.unitJob[u]].f.kind == readGet {
				batch = append(batch, int32(u))
			} else {
				each = append(each, int32(u))
			}
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			f.each(ctx, each)
		}()
		if len(batch) > 0 {
			f.batch(ctx, bb, batch)
		}
		<-done
	}
	return slots, f.out
}

// fetcher is one Load's fetch of a refSet.
type fetcher struct {
	l      *Loader
	jobs   []job
	rs     refSet
	byUnit unitTargets
	tslots []*slot
	// gens are the generations of the targets' slots, read before the
	// call that answers them starts (each unit writes its own targets');
	// nil when no target has a slot.
	gens []uint64
	out  []fetchResult
}

// readGens reads the generations of unit u's targets' slots.
func (f *fetcher) readGens(u int32) {
	for _, k := range f.byUnit.of(u) {
		if s := f.tslots[k]; s != nil {
			f.gens[k] = s.gen.Load()
		}
	}
}

// answer writes into f.out the results of unit u's targets from the
// unit's answer (text, valid, err), the core taking each target's member,
// and records each in its slot under the same rule as a single fetch (see
// record); seq is the number of the call and r its random draw. A failure
// after the caller's context ended is the caller's, not the store's, and
// is not recorded.
func (f *fetcher) answer(ctx context.Context, u int32, seq uint64, r float64, text string, valid time.Duration, err error) {
	for _, k := range f.byUnit.of(u) {
		ttext, terr := text, err
		if f.rs.targets[k].member != "" {
			ttext, terr = member(f.rs.targetRef(k), text, err)
		}
		res := fetchResult{text: ttext, err: terr, done: true}
		if s := f.tslots[k]; s != nil && (terr == nil || ctx.Err() == nil) {
			res.e, res.err = f.l.record(s, f.gens[k], seq, ttext, valid, terr, r)
			if res.e != nil {
				res.text = res.e.text // a newer answer may have overtaken this one
			}
		}
		f.out[k] = res
	}
}

// batch asks for the units (every unit when units is nil) in one
// GetBatch.
func (f *fetcher) batch(ctx context.Context, bb BatchBackend, units []int32) {
	refs := f.rs.units
	if units != nil {
		refs = make([]Ref, len(units))
		for n, u := range units {
			refs[n] = f.rs.units[u]
		}
	}
	unit := func(n int) int32 {
		if units == nil {
			return int32(n)
		}
		return units[n]
	}
	for n := range refs {
		f.readGens(unit(n))
	}
	l := f.l
	seq, r := l.seq.Add(1), l.draw()
	values, err := l.getBatch(ctx, bb, refs)
	for n, ref := range refs {
		text, rerr := batchResult(ref, values, err)
		f.answer(ctx, unit(n), seq, r, text, 0, rerr)
	}
}

// getBatch calls bb.GetBatch on the caller's goroutine and reports each
// Ref's outcome to Hooks.OnFetch.
func (l *Loader) getBatch(ctx context.Context, bb BatchBackend, refs []Ref) (map[Ref]string, error) {
	start := time.Now()
	values, err := l.callBatch(ctx, bb, refs)
	if h := l.o.hooks; h != nil && h.OnFetch != nil {
		took := time.Since(start)
		for _, ref := range refs {
			_, rerr := batchResult(ref, values, err)
			h.OnFetch(ref, took, rerr)
		}
	}
	return values, err
}

// callBatch calls bb.GetBatch, turning a panic into an ErrTransient error
// for the whole batch. (A backend that calls runtime.Goexit ends Load's
// goroutine, as any function called there would: running the batch on a
// goroutine of its own to survive that cost a third of Load's time, see
// docs/decisions.md.)
func (l *Loader) callBatch(ctx context.Context, bb BatchBackend, refs []Ref) (values map[Ref]string, err error) {
	defer func() {
		if recover() != nil {
			values, err = nil, l.panicked(Ref{})
		}
	}()
	return bb.GetBatch(l.backendContext(ctx), refs)
}

// each asks for the units (every unit when units is nil) one call each,
// at most WithConcurrency at once. A unit read by one Secret's slot alone
// goes through the slot's single flight, so that readers of the Secret
// share Load's call.
func (f *fetcher) each(ctx context.Context, units []int32) {
	n := len(units)
	if units == nil {
		n = len(f.rs.units)
	}
	unit := func(i int) int32 {
		if units == nil {
			return int32(i)
		}
		return units[i]
	}
	l := f.l
	errs := fanout.Run(ctx, n, l.o.concurrency, func(i int) error {
		u := unit(i)
		targets := f.byUnit.of(u)
		if k := targets[0]; len(targets) == 1 && f.rs.targets[k].member == "" && f.tslots[k] != nil {
			e, err := l.fetch(ctx, f.tslots[k], nil, true)
			f.out[k] = fetchResult{e: e, err: err, done: true}
			if e != nil {
				f.out[k].text = e.text
			}
			return nil
		}
		f.readGens(u)
		seq := l.seq.Add(1)
		text, valid, err := l.call(ctx, f.rs.unitKey(f.jobs, u))
		f.answer(ctx, u, seq, l.draw(), text, valid, err)
		return nil
	})
	for i, err := range errs {
		if err == nil {
			continue
		}
		u := unit(i)
		if errors.Is(err, fanout.ErrPanicked) { // the backend ended the goroutine
			err = l.panicked(f.rs.units[u])
		}
		// else never started: ctx ended
		for _, k := range f.byUnit.of(u) {
			f.out[k] = fetchResult{err: err, done: true}
		}
	}
}
