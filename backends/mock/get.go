package mock

import (
	"context"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

// Get returns the value of ref: the current value for an unversioned Ref,
// exactly that version otherwise. A missing path or version is
// vaultly.ErrNotFound. The call is recorded, then held, delayed and failed
// as configured.
func (b *Backend) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	if err := b.start(ctx, ref); err != nil {
		return "", err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.injectedForLocked(ref); err != nil {
		return "", err
	}
	v, ok := b.lookupLocked(ref)
	if !ok {
		return "", backendkit.NewError(b.name, vaultly.ErrNotFound, ref, nil)
	}
	return v, nil
}

// start records a call for one Ref, then fails it with an invalid
// option's error, or holds and delays it as configured.
func (b *Backend) start(ctx context.Context, ref vaultly.Ref) error {
	refs := []vaultly.Ref{ref}
	b.mu.Lock()
	b.recordLocked(refs, false)
	gates, delay := b.gatesLocked(refs), b.latencyLocked(refs)
	b.mu.Unlock()

	if b.optErr != nil {
		return backendkit.NewError(b.name, vaultly.ErrConfig, ref, b.optErr)
	}
	if err := b.wait(ctx, gates, delay); err != nil {
		return backendkit.NewCanceledError(b.name, ref, err, nil)
	}
	return nil
}

// injectedForLocked returns the failure injected for every path or for
// ref.Path (the first that applies), classified, or nil.
func (b *Backend) injectedForLocked(ref vaultly.Ref) error {
	err := b.injectedLocked("")
	if err == nil {
		err = b.injectedLocked(ref.Path)
	}
	if err != nil {
		return b.classify(ref, err)
	}
	return nil
}

// GetBatch answers refs in one round trip. Found Refs are in the map;
// missing ones are absent (not found). Refs whose path has an injected
// failure (Fail, FailNext) are reported in a *vaultly.BatchError beside the
// others' values; FailAll and FailNext("") fail the whole call with a plain
// error.
func (b *Backend) GetBatch(ctx context.Context, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	b.mu.Lock()
	b.recordLocked(refs, true)
	gates, delay := b.gatesLocked(refs), b.latencyLocked(refs)
	b.mu.Unlock()

	if b.optErr != nil {
		return nil, backendkit.NewError(b.name, vaultly.ErrConfig, vaultly.Ref{}, b.optErr)
	}
	if err := b.wait(ctx, gates, delay); err != nil {
		return nil, backendkit.NewCanceledError(b.name, vaultly.Ref{}, err, nil)
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.injectedLocked(""); err != nil {
		return nil, b.classify(vaultly.Ref{}, err)
	}
	out := make(map[vaultly.Ref]string, len(refs))
	var errs map[vaultly.Ref]error
	for _, ref := range refs {
		if err := b.injectedLocked(ref.Path); err != nil {
			if errs == nil {
				errs = make(map[vaultly.Ref]error)
			}
			errs[ref] = b.classify(ref, err)
			continue
		}
		if v, ok := b.lookupLocked(ref); ok {
			out[ref] = v
		}
	}
	if errs != nil {
		for ref := range errs { // a Ref listed twice: its failure wins
			delete(out, ref)
		}
		return out, &vaultly.BatchError{Errs: errs}
	}
	return out, nil
}

// wait checks ctx, parks on the holds in gates, then sleeps delay, all
// cut short when ctx ends. The error it returns is ctx.Err().
func (b *Backend) wait(ctx context.Context, gates []chan struct{}, delay time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(gates) > 0 {
		if err := b.park(ctx, gates); err != nil {
			return err
		}
	}
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// park blocks until every gate is released, counting the call in Waiting
// meanwhile.
func (b *Backend) park(ctx context.Context, gates []chan struct{}) error {
	b.addWaiting(1)
	defer b.addWaiting(-1)
	for _, g := range gates {
		select {
		case <-g:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Plain returns a view of b that implements only vaultly.Backend (no
// GetBatch, no GetPrefix), sharing b's values, faults, call log and name, to exercise
// code paths meant for backends that cannot batch.
func (b *Backend) Plain() vaultly.Backend { return plain{b} }

type plain struct{ b *Backend }

func (p plain) Get(ctx context.Context, ref vaultly.Ref) (string, error) { return p.b.Get(ctx, ref) }

// Name returns the name of the Backend p views.
func (p plain) Name() string { return p.b.name }
