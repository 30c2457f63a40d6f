package vaultly

import (
	"context"
	"errors"
	"fmt"
)

// Ref names one secret in a backend: a path, an optional version (an
// SSM version number or label, a Vault KV v2 version number, a Secrets
// Manager version id or staging label) and an optional key, the member of
// a JSON object to take (the key= tag option). Ref is comparable and is
// the cache key.
//
// A backend sees a Ref with Key set only if it reads members itself
// (backendkit.KeyBackend); every other backend is asked for the whole
// document, and the core takes the member.
type Ref struct {
	Path    string
	Version string
	Key     string
}

// String returns the path, followed by "@version" when a version is set
// and "#key" when a key is set. A Ref names where a secret lives, never
// its value, so it is safe to log.
func (r Ref) String() string {
	s := r.Path
	if r.Version != "" {
		s += "@" + r.Version
	}
	if r.Key != "" {
		s += "#" + r.Key
	}
	return s
}

// Backend fetches one secret. Implementations must be safe for concurrent
// use and must classify every failure so that it matches one of
// ErrNotFound, ErrAuth or ErrTransient (or ErrConfig for a Ref the backend
// can never serve) with errors.Is, keeping their own cause reachable with
// errors.As. When ctx is done, Get returns an error that matches ctx.Err()
// and is not classified as ErrTransient, so it is never answered from a
// stale value.
type Backend interface {
	Get(ctx context.Context, ref Ref) (string, error)
}

// BatchBackend is a Backend that can fetch many secrets in fewer round
// trips. Load uses GetBatch for all plain fields at once when the backend
// implements it.
//
// The map holds every Ref that was found. A Ref that is absent from the map
// is not found, unless err says otherwise: when err is a *BatchError, the
// Refs in its Errs failed with those errors and the map holds the rest;
// any other non-nil error applies to every Ref absent from the map.
type BatchBackend interface {
	Backend
	GetBatch(ctx context.Context, refs []Ref) (map[Ref]string, error)
}

// BatchError reports per-Ref failures from a GetBatch call that partly
// succeeded. Refs in Errs failed; the map returned beside it holds the
// values that were found.
type BatchError struct {
	Errs map[Ref]error
}

// Error summarises the failures without any value.
func (e *BatchError) Error() string {
	if e == nil {
		return "vaultly: batch: nil *BatchError"
	}
	if len(e.Errs) == 1 {
		for ref, err := range e.Errs {
			return fmt.Sprintf("vaultly: batch: %s: %v", ref, err)
		}
	}
	return fmt.Sprintf("vaultly: batch: %d secrets failed", len(e.Errs))
}

// Unwrap returns every per-Ref error, so errors.Is(err, ErrAuth) reports
// whether any of them was an authorization failure.
func (e *BatchError) Unwrap() []error {
	if e == nil {
		return nil
	}
	errs := make([]error, 0, len(e.Errs))
	for _, err := range e.Errs {
		errs = append(errs, err)
	}
	return errs
}

// batchResult splits the answer of GetBatch for one Ref into its value or
// its error, applying the contract documented on BatchBackend.
// backendkit.BatchResult is the same rule for wrappers; it cannot be shared
// because backendkit imports this package (TestBatchResultAgrees and
// TestBatchResultTypedNil check that the two agree).
//
// A typed nil *BatchError (a GetBatch that returns a "var be *BatchError"
// it never set) is no error. Wrapped in another error it names no Ref, so
// it fails every Ref absent from the map as a transient failure.
func batchResult(ref Ref, values map[Ref]string, err error) (string, error) {
	if v, ok := values[ref]; ok {
		return v, nil
	}
	if be, ok := err.(*BatchError); ok && be == nil {
		err = nil
	}
	var be *BatchError
	switch {
	case err == nil:
	case errors.As(err, &be):
		if be == nil {
			return "", &BackendError{Kind: ErrTransient, Ref: ref, Err: err}
		}
		if e, ok := be.Errs[ref]; ok && e != nil {
			return "", e
		}
	default:
		return "", err
	}
	return "", &BackendError{Kind: ErrNotFound, Ref: ref}
}
