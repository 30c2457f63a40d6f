package vault

import (
	"context"
	"errors"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/internal/fanout"
)

// readGroup is one KV entry read for a batch, with the Refs that pick
// fields out of it.
type readGroup struct {
	entry entry
	refs  []vaultly.Ref
	sels  []selector
	data  map[string]any
	err   error
}

// GetBatch reads every distinct (path, version) among refs once, however
// many keys of it are asked for (Ref.Key, ":key" or the default key),
// with at most WithConcurrency reads in flight. Found values are in the map; per-Ref failures are in a
// *vaultly.BatchError. A read that panics fails its Refs with
// vaultly.ErrTransient ("backend panicked", never the panic value). When
// ctx ends, no more reads start, and the error matches ctx.Err() and
// applies to every Ref missing from the map.
func (b *Backend) GetBatch(ctx context.Context, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	out := make(map[vaultly.Ref]string, len(refs))
	errs := make(map[vaultly.Ref]error)

	var sels []selector
	var parsed []vaultly.Ref
	for _, ref := range refs {
		sel, err := b.parseRef(ref)
		if err != nil {
			errs[ref] = err
			continue
		}
		sels, parsed = append(sels, sel), append(parsed, ref)
	}
	kv := 0
	if len(parsed) > 0 {
		var err error
		if kv, err = b.kvVersion(ctx); err != nil {
			if ctx.Err() != nil {
				return out, ctxError(ctx, vaultly.Ref{})
			}
			for _, ref := range parsed {
				errs[ref] = withRef(err, ref)
			}
			parsed = nil
		}
	}

	index := make(map[entry]*readGroup)
	var groups []*readGroup
	for i, ref := range parsed {
		sel := sels[i]
		if err := checkVersion(kv, sel, ref); err != nil {
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
		g.sels = append(g.sels, sel)
	}

	runErrs := fanout.Run(ctx, len(groups), b.concurrency, func(i int) error {
		g := groups[i]
		g.data, g.err = b.readEntry(ctx, kv, g.entry)
		return nil
	})

	for i, g := range groups {
		for j, ref := range g.refs {
			if runErrs[i] != nil {
				errs[ref] = notRun(ref, runErrs[i])
				continue
			}
			if g.err != nil {
				errs[ref] = withRef(g.err, ref)
				continue
			}
			v, err := g.sels[j].pick(g.data, ref)
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

// notRun is ref's error when fanout.Run did not complete its read: the
// read panicked, or it never started because ctx ended (runErr is then
// ctx.Err()).
func notRun(ref vaultly.Ref, runErr error) error {
	if errors.Is(runErr, fanout.ErrPanicked) {
		return backendkit.NewError(Name, vaultly.ErrTransient, ref, runErr)
	}
	return backendkit.NewCanceledError(Name, ref, runErr, nil)
}
