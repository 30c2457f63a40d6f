package backendtest

import (
	"context"
	"errors"
	"maps"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

// NotAsked is the Ref under which a backend made by [Quirky] adds a value
// to every GetBatch answer. No check asks for it.
var NotAsked = vaultly.Ref{Path: "/backendtest/not-asked", Version: "not-asked"}

// Quirky returns a backend that answers like b but takes every liberty
// the vaultly.BatchBackend contract allows, for testing code that reads
// GetBatch answers (a wrapper such as a retry or a chain): run the suite
// over the wrapper around Quirky(inner). Its GetBatch
//
//   - reports every Ref it did not find in a *vaultly.BatchError, with an
//     error matching vaultly.ErrNotFound, instead of leaving it absent;
//   - adds a value for [NotAsked], a Ref nobody asked for, to every
//     answer, which a reader must ignore;
//   - returns an error for the whole batch as b returned it.
//
// Get and the name are b's.
func Quirky(b vaultly.BatchBackend) vaultly.BatchBackend { return quirky{b} }

type quirky struct{ b vaultly.BatchBackend }

func (q quirky) Name() string { return backendkit.Name(q.b) }

func (q quirky) Get(ctx context.Context, ref vaultly.Ref) (string, error) { return q.b.Get(ctx, ref) }

func (q quirky) GetBatch(ctx context.Context, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	values, err := q.b.GetBatch(ctx, refs)
	var be *vaultly.BatchError
	if err != nil && !errors.As(err, &be) {
		return values, err
	}
	out := maps.Clone(values)
	if out == nil {
		out = make(map[vaultly.Ref]string)
	}
	errs := make(map[vaultly.Ref]error)
	if be != nil {
		maps.Copy(errs, be.Errs)
	}
	for _, ref := range refs {
		if _, ok := out[ref]; ok {
			continue
		}
		if _, ok := errs[ref]; !ok {
			errs[ref] = backendkit.NewError(backendkit.Name(q.b), vaultly.ErrNotFound, ref, nil)
		}
	}
	out[NotAsked] = "a value nobody asked for"
	if len(errs) > 0 {
		return out, &vaultly.BatchError{Errs: errs}
	}
	return out, nil
}
