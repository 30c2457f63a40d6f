package retry

import (
	"context"
	"errors"
	"maps"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

// BatchingBackend retries the Get and GetBatch calls of a backend that
// implements vaultly.BatchBackend. New returns a *BatchingBackend for such
// a backend. It is safe for concurrent use. The zero value is not usable
// (its calls fail with vaultly.ErrConfig); use New.
type BatchingBackend struct {
	b     *Backend
	batch vaultly.BatchBackend
}

// Name returns "retry(<inner>)".
func (bb *BatchingBackend) Name() string { return bb.b.Name() }

// Get is (*Backend).Get: one Ref, retried.
func (bb *BatchingBackend) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	if bb == nil {
		return "", errNotNew
	}
	return bb.b.Get(ctx, ref)
}

// GetBatch fetches refs with the inner backend's GetBatch, under the same
// attempts and budget as one Get. When the whole batch fails with a
// retryable error, the Refs still missing are asked for again; when the
// inner backend answers with a *vaultly.BatchError, only the Refs whose
// errors are retryable are asked for again, and the answers are merged.
// The result follows the vaultly.BatchBackend contract: found values in
// the map, absent means not found, and a *vaultly.BatchError (or, when
// every missing Ref failed the same way, that one error) for the rest.
// When ctx ends, GetBatch returns at once with no values and an error
// matching ctx.Err().
func (bb *BatchingBackend) GetBatch(ctx context.Context, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	if bb == nil || bb.b == nil || bb.batch == nil {
		return nil, errNotNew
	}
	b := bb.b
	found := make(map[vaultly.Ref]string, len(refs))
	pending := backendkit.UniqueRefs(refs)
	if len(pending) == 0 {
		return found, nil
	}
	var (
		final    = map[vaultly.Ref]error{} // failed for good
		notFound bool                      // some Ref was absent from an answer: not found
		whole    error                     // the latest attempt failed as a whole
		perRef   = map[vaultly.Ref]error{} // the latest retryable per-Ref errors
	)
	out, n, err := b.run(ctx, vaultly.Ref{}, func(actx context.Context) (bool, error) {
		vals, err := bb.batch.GetBatch(actx, pending)
		whole = nil
		clear(perRef)
		var be *vaultly.BatchError
		if err != nil && !errors.As(err, &be) {
			// One error for every Ref absent from vals.
			whole = budgetError(ctx, actx, vaultly.Ref{}, err)
		}
		next := make([]vaultly.Ref, 0, len(pending))
		for _, ref := range pending {
			v, e := backendkit.BatchResult(ref, vals, err)
			switch {
			case e == nil:
				found[ref] = v
			case whole != nil:
				next = append(next, ref) // decided below, once for all
			case (be == nil || be.Errs[ref] == nil) && errors.Is(e, vaultly.ErrNotFound):
				// Absent with no error of its own: not found. It stays
				// absent from the answer, as the inner backend left it,
				// rather than carrying the error BatchResult makes up.
				// (Absent beside an error wrapping a nil *BatchError is
				// BatchResult's transient failure, handled below.)
				notFound = true
			default:
				e = budgetError(ctx, actx, ref, e)
				if b.cfg.isRetryable(e) {
					next = append(next, ref)
					perRef[ref] = e
				} else {
					final[ref] = e
				}
			}
		}
		pending = next
		switch {
		case len(pending) == 0:
			return false, nil
		case whole != nil:
			return b.cfg.isRetryable(whole), whole
		}
		return true, &vaultly.BatchError{Errs: maps.Clone(perRef)}
	})
	if err == nil {
		return found, batchErr(final)
	}
	if out == canceled {
		return nil, b.finish(ctx, vaultly.Ref{}, out, n, err)
	}
	if whole != nil {
		if len(final) == 0 && !notFound {
			return found, b.finish(ctx, vaultly.Ref{}, out, n, whole)
		}
		for _, ref := range pending {
			final[ref] = b.finish(ctx, ref, out, n, whole)
		}
		return found, batchErr(final)
	}
	for _, ref := range pending {
		final[ref] = b.finish(ctx, ref, out, n, perRef[ref])
	}
	return found, batchErr(final)
}

func batchErr(errs map[vaultly.Ref]error) error {
	if len(errs) == 0 {
		return nil
	}
	return &vaultly.BatchError{Errs: errs}
}
