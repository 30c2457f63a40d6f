package vault

import (
	"context"
	"sync"

	"github.com/vaultly/vaultly"
)

// readGroup is one KV entry read for a batch, with the Refs that pick
// fields out of it.
type readGroup struct {
	entry entry
	refs  []vaultly.Ref
	keys  []string
	data  map[string]any
	err   error
	done  bool
}

// GetBatch reads every distinct (path, version) among refs once, however
// many keys of it are asked for, with at most WithConcurrency reads in
// flight. Found values are in the map; per-Ref failures are in a
// *vaultly.BatchError. When ctx ends, the error matches ctx.Err() and
// applies to every Ref missing from the map.
func (b *Backend) GetBatch(ctx context.Context, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	out := make(map[vaultly.Ref]string, len(refs))
	errs := make(map[vaultly.Ref]error)

	index := make(map[entry]*readGroup)
	var groups []*readGroup
	for _, ref := range refs {
		sel, err := b.parseRef(ref)
		if err != nil {
			errs[ref] = err
			continue
		}
		g, ok := index[sel.entry]
		if !ok {
			g = &readGroup{entry: sel.entry}
			index[sel.entry] = g
			groups = append(groups, g)
		}
		g.refs = append(g.refs, ref)
		g.keys = append(g.keys, sel.key)
	}

	sem := make(chan struct{}, b.concurrency)
	var wg sync.WaitGroup
launch:
	for _, g := range groups {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			break launch
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			g.data, g.err = b.readEntry(ctx, g.entry)
			g.done = true
		}()
	}
	wg.Wait()

	for _, g := range groups {
		if !g.done {
			continue
		}
		for i, ref := range g.refs {
			if g.err != nil {
				errs[ref] = withRef(g.err, ref)
				continue
			}
			v, err := pick(g.data, g.keys[i], ref)
			if err != nil {
				errs[ref] = err
				continue
			}
			out[ref] = v
		}
	}
	if ctx.Err() != nil {
		// What was read is kept; every other Ref ends with the caller's
		// context, never as a transient failure.
		return out, ctxError(ctx, vaultly.Ref{})
	}
	if len(errs) > 0 {
		return out, &vaultly.BatchError{Errs: errs}
	}
	return out, nil
}
