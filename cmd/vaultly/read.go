package main

import (
	"context"
	"errors"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

// read reads refs through b: one GetBatch when b batches, a Get for each
// otherwise. A Ref with a Key is passed as it is to a backend that reads
// keys (backendkit.KeyBackend); any other backend is asked for the whole
// document, and the member is taken here, as vaultly.Load does. The
// errors of every Ref that failed are joined.
func read(ctx context.Context, b vaultly.Backend, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	kb, ok := b.(backendkit.KeyBackend)
	readsKeys := ok && kb.ReadsKeys()
	ask := func(ref vaultly.Ref) vaultly.Ref {
		if !readsKeys {
			ref.Key = ""
		}
		return ref
	}
	asks := make([]vaultly.Ref, 0, len(refs))
	for _, ref := range refs {
		asks = append(asks, ask(ref))
	}
	asks = backendkit.UniqueRefs(asks)

	docs := make(map[vaultly.Ref]string, len(asks))
	failed := make(map[vaultly.Ref]error)
	if bb, ok := b.(vaultly.BatchBackend); ok && len(asks) > 1 {
		values, err := bb.GetBatch(ctx, asks)
		for _, ref := range asks {
			v, err := backendkit.BatchResult(ref, values, err)
			if err != nil {
				failed[ref] = err
				continue
			}
			docs[ref] = v
		}
	} else {
		for _, ref := range asks {
			v, err := b.Get(ctx, ref)
			if err != nil {
				failed[ref] = err
				if ctx.Err() != nil {
					break
				}
				continue
			}
			docs[ref] = v
		}
	}

	out := make(map[vaultly.Ref]string, len(refs))
	var errs []error
	reported := make(map[vaultly.Ref]bool)
	for _, ref := range refs {
		a := ask(ref)
		if err, bad := failed[a]; bad {
			if !reported[a] {
				reported[a] = true
				errs = append(errs, err)
			}
			continue
		}
		doc, ok := docs[a]
		if !ok { // not asked: the context ended first
			errs = append(errs, backendkit.NewCanceledError(backendkit.Name(b), ref, ctx.Err(), nil))
			continue
		}
		if ref.Key != "" && !readsKeys {
			v, err := backendkit.Member(backendkit.Name(b), ref, doc)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			doc = v
		}
		out[ref] = doc
	}
	return out, errors.Join(errs...)
}
