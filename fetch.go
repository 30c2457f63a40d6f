package vaultly

import (
	"context"
	"sync"
	"time"
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
// under prefetch), each once however many fields name it.
func dedupe(jobs []job, prefetch bool) refSet {
	rs := refSet{at: make([]int32, len(jobs)), uniq: make([]Ref, 0, len(jobs))}
	seen := make(map[Ref]int32, len(jobs))
	for i, j := range jobs {
		rs.at[i] = -1
		if j.f.lazy && !prefetch {
			continue
		}
		k, dup := seen[j.ref]
		if !dup {
			k = int32(len(rs.uniq))
			seen[j.ref] = k
			rs.uniq = append(rs.uniq, j.ref)
		}
		rs.at[i] = k
	}
	if !prefetch {
		// A Secret whose Ref a plain field fetches anyway starts warm.
		for i, j := range jobs {
			if k, ok := seen[j.ref]; ok && j.f.lazy {
				rs.at[i] = k
			}
		}
	}
	return rs
}

// fetchAll fetches rs.uniq in one GetBatch, or with bounded concurrency
// from a backend that cannot batch. Load always asks the backend, so that
// a second Load through one Loader sees current values. Only Refs that a
// Secret field names go into the cache: a plain field is filled once and
// keeps no cache slot. It returns each job's slot (nil for plain fields)
// and the results by index in rs.uniq.
func (l *Loader) fetchAll(ctx context.Context, jobs []job, rs refSet) ([]*slot, *results) {
	slots := make([]*slot, len(jobs))
	var lazyRefs []Ref
	for _, j := range jobs {
		if j.f.lazy {
			lazyRefs = append(lazyRefs, j.ref)
		}
	}
	if len(lazyRefs) > 0 {
		ls := l.cache.slotsFor(lazyRefs)
		k := 0
		for i, j := range jobs {
			if j.f.lazy {
				slots[i], k = ls[k], k+1
			}
		}
	}
	if len(rs.uniq) == 0 {
		return slots, nil
	}
	// uslots[k] is the slot of uniq[k], nil when no Secret field names it.
	uslots := make([]*slot, len(rs.uniq))
	for i, k := range rs.at {
		if k >= 0 && slots[i] != nil && uslots[k] == nil {
			uslots[k] = slots[i]
		}
	}
	if bb, ok := l.b.(BatchBackend); ok {
		return slots, l.fetchBatch(ctx, bb, rs.uniq, uslots)
	}
	return slots, l.fetchEach(ctx, rs.uniq, uslots)
}

// results holds what fetchAll got, by index in refSet.uniq: a batch's
// answer, read field by field without copying it, or the Gets' results.
type results struct {
	refs   []Ref
	values map[Ref]string // the batch answer
	err    error          // the batch error
	cached []*entry       // the cache entry of each Ref a Secret names; nil if none
	each   []fetchResult  // the answers of a backend that cannot batch
}

func (r *results) get(k int32) fetchResult {
	if r.each != nil {
		return r.each[k]
	}
	text, err := batchResult(r.refs[k], r.values, r.err)
	res := fetchResult{text: text, err: err, done: true}
	if r.cached != nil && err == nil {
		res.e = r.cached[k]
	}
	return res
}

func (l *Loader) fetchBatch(ctx context.Context, bb BatchBackend, refs []Ref, slots []*slot) *results {
	start := time.Now()
	values, err := bb.GetBatch(l.backendContext(ctx), refs)
	took := time.Since(start)
	r := &results{refs: refs, values: values, err: err}
	if h := l.o.hooks; h != nil && h.OnFetch != nil {
		for _, ref := range refs {
			_, rerr := batchResult(ref, values, err)
			h.OnFetch(ref, took, rerr)
		}
	}
	var entries []entry // one allocation for the cached ones
	for i, s := range slots {
		if s == nil {
			continue
		}
		text, rerr := batchResult(refs[i], values, err)
		if rerr != nil {
			continue
		}
		if r.cached == nil {
			r.cached = make([]*entry, len(refs))
			entries = make([]entry, len(refs)-i)
		}
		r.cached[i] = l.publish(s, &entries[0], text)
		entries = entries[1:]
	}
	return r
}

func (l *Loader) fetchEach(ctx context.Context, refs []Ref, slots []*slot) *results {
	out := make([]fetchResult, len(refs))
	sem := make(chan struct{}, l.o.concurrency)
	var wg sync.WaitGroup
	for i, s := range slots {
		if s == nil {
			s = &slot{ref: refs[i]} // a plain field's Ref: fetched once, not cached
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			e, err := l.fetch(ctx, s, false)
			r := fetchResult{e: e, err: err, done: true}
			if e != nil {
				r.text = e.text
			}
			out[i] = r
		}()
	}
	wg.Wait()
	return &results{refs: refs, each: out}
}
