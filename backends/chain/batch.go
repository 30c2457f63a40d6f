package chain

import (
	"context"
	"slices"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/internal/fanout"
)

// GetBatch fetches refs through the members in order, asking each member
// only for the Refs that the members before it did not answer: through the
// member's GetBatch when it has one, otherwise with concurrent Gets bounded
// by WithConcurrency. Falling through and stopping follow the same rules as
// Get, per Ref.
//
// The map holds every value found. Every other Ref is reported in a
// *vaultly.BatchError, including the Refs missing everywhere (an error
// matching vaultly.ErrNotFound that lists the members asked), so that the
// caller's message can say where it looked. When ctx ends, GetBatch
// returns no values and an error matching ctx.Err().
func (c *Backend) GetBatch(ctx context.Context, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	if c == nil || len(c.members) == 0 {
		return nil, errNotNew
	}
	found := make(map[vaultly.Ref]string, len(refs))
	missing := backendkit.UniqueRefs(refs)
	errs := map[vaultly.Ref]error{}
	states := map[vaultly.Ref]*refState{}
	for i, m := range c.members {
		if len(missing) == 0 {
			break
		}
		if err := ctx.Err(); err != nil {
			return nil, c.canceled(vaultly.Ref{}, err, i, nil)
		}
		results := c.fetch(ctx, m, missing)
		if err := ctx.Err(); err != nil {
			return nil, c.canceled(vaultly.Ref{}, err, i+1, nil)
		}
		next := make([]vaultly.Ref, 0, len(missing))
		for j, ref := range missing {
			r := results[j]
			if r.err == nil {
				found[ref] = r.val
				continue
			}
			st := states[ref]
			if st == nil {
				st = &refState{}
				states[ref] = st
			}
			if stop := c.judge(ctx, st, ref, i, r.err); stop != nil {
				errs[ref] = stop
				continue
			}
			next = append(next, ref)
		}
		missing = next
	}
	for _, ref := range missing {
		st := states[ref]
		if st == nil {
			st = &refState{}
		}
		errs[ref] = c.missing(st, ref)
	}
	if len(errs) == 0 {
		return found, nil
	}
	return found, &vaultly.BatchError{Errs: errs}
}

type result struct {
	val string
	err error
}

// fetch asks one member for refs and returns one result per Ref, in order.
// A member that does not read keys is asked for the documents of the Refs
// with a Key (each once), and the chain takes their members.
func (c *Backend) fetch(ctx context.Context, m member, refs []vaultly.Ref) []result {
	if m.keys || !slices.ContainsFunc(refs, func(r vaultly.Ref) bool { return r.Key != "" }) {
		return c.fetchRefs(ctx, m, refs)
	}
	docs := make([]vaultly.Ref, 0, len(refs))
	at := make(map[vaultly.Ref]int, len(refs)) // document -> its index in docs
	for _, ref := range refs {
		d := document(ref)
		if _, ok := at[d]; !ok {
			at[d] = len(docs)
			docs = append(docs, d)
		}
	}
	got := c.fetchRefs(ctx, m, docs)
	out := make([]result, len(refs))
	for i, ref := range refs {
		r := got[at[document(ref)]]
		if r.err == nil && ref.Key != "" {
			r.val, r.err = backendkit.Member(m.name, ref, r.val)
		}
		out[i] = r
	}
	return out
}

// fetchRefs asks one member for refs as they are and returns one result
// per Ref, in order. A member that panics answers errPanicked for each Ref
// it was asked for.
func (c *Backend) fetchRefs(ctx context.Context, m member, refs []vaultly.Ref) []result {
	out := make([]result, len(refs))
	if m.batch != nil {
		vals, err := m.getBatch(ctx, refs)
		for i, ref := range refs {
			out[i].val, out[i].err = backendkit.BatchResult(ref, vals, err)
		}
		return out
	}
	if len(refs) == 1 { // no goroutine for a single Get
		out[0].val, out[0].err = m.get(ctx, refs[0])
		return out
	}
	errs := fanout.Run(ctx, len(refs), c.concurrency, func(i int) error {
		v, err := m.b.Get(ctx, refs[i])
		out[i].val = v
		return err
	})
	for i, err := range errs {
		out[i].err = err // a panic is fanout.ErrPanicked, which is errPanicked
	}
	return out
}
