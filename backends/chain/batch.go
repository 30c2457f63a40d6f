package chain

import (
	"context"
	"sync"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
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
			return nil, canceledError(err, c.asked(i), nil)
		}
		results := c.fetch(ctx, m, missing)
		if err := ctx.Err(); err != nil {
			return nil, canceledError(err, c.asked(i+1), nil)
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
func (c *Backend) fetch(ctx context.Context, m member, refs []vaultly.Ref) []result {
	out := make([]result, len(refs))
	if m.batch != nil {
		vals, err := m.batch.GetBatch(ctx, refs)
		for i, ref := range refs {
			out[i].val, out[i].err = backendkit.BatchResult(ref, vals, err)
		}
		return out
	}
	if len(refs) == 1 {
		out[0].val, out[0].err = m.b.Get(ctx, refs[0])
		return out
	}
	sem := make(chan struct{}, c.concurrency)
	var wg sync.WaitGroup
	for i, ref := range refs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			for j := i; j < len(refs); j++ {
				out[j].err = ctx.Err()
			}
			wg.Wait()
			return out
		}
		wg.Go(func() {
			defer func() { <-sem }()
			out[i].val, out[i].err = m.b.Get(ctx, ref)
		})
	}
	wg.Wait()
	return out
}
