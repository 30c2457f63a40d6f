// Package backendkit is for people who write a vaultly backend or a
// wrapper around one: the constructors of classified errors, the one way
// to read a GetBatch answer, and the hooks a Loader passes down through
// the context. An application that only loads config never needs it.
//
// The contract every backend keeps is documented on [vaultly.Backend] and
// [vaultly.BatchBackend]; backends/backendtest checks it.
package backendkit

import (
	"context"
	"errors"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/internal/contract"
)

// NewError returns a *vaultly.BackendError of the given kind (one of
// vaultly.ErrNotFound, ErrAuth, ErrTransient or ErrConfig). cause, the
// backend's own error, stays reachable with errors.As; it must not hold a
// secret value.
func NewError(backend string, kind error, ref vaultly.Ref, cause error) error {
	return &vaultly.BackendError{Backend: backend, Kind: kind, Ref: ref, Err: cause}
}

// NewCanceledError reports a call that ended because the caller's context
// did: it matches ctxErr (context.Canceled or context.DeadlineExceeded)
// and no error kind, so it is never answered from a stale value; cause,
// the backend's own error, stays reachable with errors.As. It is the one
// way every backend in this module reports cancellation.
func NewCanceledError(backend string, ref vaultly.Ref, ctxErr, cause error) error {
	return &vaultly.BackendError{Backend: backend, Kind: ctxErr, Ref: ref, Err: cause}
}

// BatchResult splits the answer of GetBatch for one Ref into its value or
// its error, applying the contract documented on vaultly.BatchBackend the
// same way Load does: a value in the map is found; a Ref named in a
// *vaultly.BatchError failed with that error; any other error applies to
// every Ref absent from the map; and a Ref absent with no error is not
// found. A typed nil *vaultly.BatchError is no error; one wrapped in
// another error names no Ref, so it fails every Ref absent from the map as
// an ErrTransient error.
func BatchResult(ref vaultly.Ref, values map[vaultly.Ref]string, err error) (string, error) {
	if v, ok := values[ref]; ok {
		return v, nil
	}
	if be, ok := err.(*vaultly.BatchError); ok && be == nil {
		err = nil
	}
	var be *vaultly.BatchError
	switch {
	case err == nil:
	case errors.As(err, &be):
		if be == nil {
			return "", NewError("", vaultly.ErrTransient, ref, err)
		}
		if e, ok := be.Errs[ref]; ok && e != nil {
			return "", e
		}
	default:
		return "", err
	}
	return "", NewError("", vaultly.ErrNotFound, ref, nil)
}

// Name names a backend for messages and logs: its Name() method if it has
// one, else its String() method, else its Go type. Wrappers use it to say
// which backend failed.
func Name(b vaultly.Backend) string { return contract.Name(b) }

// UniqueRefs returns refs without repeats, in the order each was first
// seen, so that a batch backend asks for each Ref once.
func UniqueRefs(refs []vaultly.Ref) []vaultly.Ref {
	seen := make(map[vaultly.Ref]struct{}, len(refs))
	out := make([]vaultly.Ref, 0, len(refs))
	for _, ref := range refs {
		if _, ok := seen[ref]; !ok {
			seen[ref] = struct{}{}
			out = append(out, ref)
		}
	}
	return out
}

// Hooks returns the hooks that the Loader passes with every backend call
// (vaultly.WithHooks), or nil. Wrappers and backends use it to report
// retries and re-authentication.
func Hooks(ctx context.Context) *vaultly.Hooks {
	h, _ := ctx.Value(contract.HooksKey{}).(*vaultly.Hooks)
	return h
}

// WithHooks returns ctx carrying h, as the Loader does for every backend
// call; for tests of a backend that reports through hooks.
func WithHooks(ctx context.Context, h *vaultly.Hooks) context.Context {
	return context.WithValue(ctx, contract.HooksKey{}, h)
}

// Func adapts a function to the vaultly.Backend interface.
type Func func(ctx context.Context, ref vaultly.Ref) (string, error)

// Get calls f(ctx, ref).
func (f Func) Get(ctx context.Context, ref vaultly.Ref) (string, error) { return f(ctx, ref) }

var _ vaultly.Backend = Func(nil)
