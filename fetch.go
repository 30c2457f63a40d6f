package vaultly

import (
	"context"
	"errors"
	"time"

	"github.com/vaultly/vaultly/internal/fanout"
)

// fetchResult is the outcome of one Ref in Load: its text, and the cache
// entry that holds it when a Secret field names the Ref. done is false
// for a Secret field that Load does not fetch (no prefetch).
type fetchResult struct {
	text string
	e    *entry
	err  error
	done bool
}

// refSet is what a Load fetches: the distinct Refs, and for each job the
// index of its Ref among them, or -1 when nothing fetches it (a Secret
// without prefetch whose Ref no plain field names).
type refSet struct {
	uniq []Ref
	at   []int32
}

// dedupe lists the Refs of the plain fields (and of the Secret fields
// under prefetch), once per group of fields with the same template and
// version (plan.go): jobs[i] is the job of plan field i. Two templates
// that render the same path are rare enough to be asked for twice (a
// batch backend answers a repeated Ref once).
func dedupe(jobs []job, prefetch bool) refSet {
	rs := refSet{at: make([]int32, len(jobs)), uniq: make([]Ref, 0, len(jobs))}
	byGroup := make([]int32, len(jobs)) // by group leader: its index in uniq, or -1
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
			byGroup[g] = int32(len(rs.uniq))
			rs.uniq = append(rs.uniq, j.ref)
		}
		rs.at[i] = byGroup[g]
	}
	if !prefetch {
		// A Secret whose Ref a plain field fetches anyway starts warm.
		for i, j := range jobs {
			if j.f.lazy {
				rs.at[i] = byGroup[j.f.group]
			}
		}
	}
	return rs
}

// fetchAll fetches rs.uniq in one GetBatch, or with bounded concurrency
// from a backend that cannot batch, and returns each job's slot (nil for
// plain fields) and the results by index in rs.uniq. Load always asks the
// backend, so that a second Load through one Loader sees current values.
// Only Refs that a Secret field names get a cache slot: a plain field is
// filled once.
func (l *Loader) fetchAll(ctx context.Context, jobs []job, rs refSet) ([]*slot, []fetchResult) {
	slots := make([]*slot, len(jobs))
	// uslots[k] is the slot of uniq[k], nil when no Secret field names it.
	uslots := make([]*slot, len(rs.uniq))
	for i, j := range jobs {
		if !j.f.lazy {
			continue
		}
		slots[i] = l.slot(j.ref)
		if k := rs.at[i]; k >= 0 {
			uslots[k] = slots[i]
		}
	}
	if len(rs.uniq) == 0 {
		return slots, nil
	}
	if bb, ok := l.b.(BatchBackend); ok {
		return slots, l.fetchBatch(ctx, bb, rs.uniq, uslots)
	}
	return slots, l.fetchEach(ctx, rs.uniq, uslots)
}

// fetchBatch asks for refs in one GetBatch and records each answer in its
// slot under the same rule as a single fetch (see record).
func (l *Loader) fetchBatch(ctx context.Context, bb BatchBackend, refs []Ref, slots []*slot) []fetchResult {
	gens := make([]uint64, len(slots))
	for i, s := range slots {
		if s != nil {
			gens[i] = s.gen.Load()
		}
	}
	seq := l.seq.Add(1)
	start := time.Now()
	values, err := l.getBatch(ctx, bb, refs)
	took := time.Since(start)
	out := make([]fetchResult, len(refs))
	for i, ref := range refs {
		text, rerr := batchResult(ref, values, err)
		if h := l.o.hooks; h != nil && h.OnFetch != nil {
			h.OnFetch(ref, took, rerr)
		}
		r := fetchResult{text: text, err: rerr, done: true}
		if s := slots[i]; s != nil && (rerr == nil || ctx.Err() == nil) {
			r.e, r.err = l.record(s, gens[i], seq, text, rerr)
			if r.e != nil {
				r.text = r.e.text // a newer answer may have overtaken this one
			}
		}
		out[i] = r
	}
	return out
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

// fetchEach fetches refs one Get each, at most WithConcurrency at once.
func (l *Loader) fetchEach(ctx context.Context, refs []Ref, slots []*slot) []fetchResult {
	out := make([]fetchResult, len(refs))
	errs := fanout.Run(ctx, len(refs), l.o.concurrency, func(i int) error {
		if slots[i] == nil { // a plain field's Ref: asked once, not cached
			text, err := l.get(ctx, refs[i])
			out[i] = fetchResult{text: text, err: err, done: true}
			return nil
		}
		e, err := l.fetch(ctx, slots[i], nil, true)
		out[i] = fetchResult{e: e, err: err, done: true}
		if e != nil {
			out[i].text = e.text
		}
		return nil
	})
	for i, err := range errs {
		switch {
		case errors.Is(err, fanout.ErrPanicked): // the backend ended the goroutine
			out[i] = fetchResult{err: l.panicked(refs[i]), done: true}
		case err != nil: // never started: ctx ended
			out[i] = fetchResult{err: err, done: true}
		}
	}
	return out
}
