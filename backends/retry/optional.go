package retry

import (
	"context"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

var (
	_ backendkit.KeyBackend    = (*Backend)(nil)
	_ backendkit.PrefixBackend = (*Backend)(nil)
	_ backendkit.LeaseBackend  = (*Backend)(nil)
	_ backendkit.KeyBackend    = (*BatchingBackend)(nil)
	_ backendkit.PrefixBackend = (*BatchingBackend)(nil)
	_ backendkit.LeaseBackend  = (*BatchingBackend)(nil)
)

// ReadsKeys reports what the inner backend's ReadsKeys reports, and false
// when it has none: Refs with a Key pass through to the inner backend as
// they are.
func (b *Backend) ReadsKeys() bool {
	if b == nil {
		return false
	}
	kb, ok := b.inner.(backendkit.KeyBackend)
	return ok && kb.ReadsKeys()
}

// GetPrefix lists prefix with the inner backend's GetPrefix, retried as a
// whole under the same attempts and budget as Get. An inner backend
// without GetPrefix (not a backendkit.PrefixBackend) is vaultly.ErrConfig,
// not retried.
func (b *Backend) GetPrefix(ctx context.Context, prefix string, max int) (map[string]string, error) {
	if b == nil || b.inner == nil {
		return nil, errNotNew
	}
	ref := vaultly.Ref{Path: prefix}
	pb, ok := b.inner.(backendkit.PrefixBackend)
	if !ok {
		return nil, b.lacks(ref, "cannot list a prefix")
	}
	return call(ctx, b, ref, func(actx context.Context) (map[string]string, error) {
		return pb.GetPrefix(actx, prefix, max)
	})
}

// GetLease reads ref with the inner backend's GetLease, retried like Get.
// An inner backend without GetLease (not a backendkit.LeaseBackend) is
// vaultly.ErrConfig, not retried.
func (b *Backend) GetLease(ctx context.Context, ref vaultly.Ref) (string, time.Duration, error) {
	if b == nil || b.inner == nil {
		return "", 0, errNotNew
	}
	lb, ok := b.inner.(backendkit.LeaseBackend)
	if !ok {
		return "", 0, b.lacks(ref, "reads no leases")
	}
	type lease struct {
		val   string
		valid time.Duration
	}
	l, err := call(ctx, b, ref, func(actx context.Context) (lease, error) {
		v, d, err := lb.GetLease(actx, ref)
		return lease{v, d}, err
	})
	return l.val, l.valid, err
}

// Unwrap returns the inner backend. A Backend has GetPrefix and GetLease
// whatever its inner backend has (answering vaultly.ErrConfig when it
// lacks them); Unwrap lets a wrapper around it, such as a chain, see what
// the inner backend can do.
func (b *Backend) Unwrap() vaultly.Backend {
	if b == nil {
		return nil
	}
	return b.inner
}

// Unwrap is (*Backend).Unwrap.
func (bb *BatchingBackend) Unwrap() vaultly.Backend {
	if bb == nil {
		return nil
	}
	return bb.b.Unwrap()
}

// lacks is the error for a call the inner backend has no method for.
func (b *Backend) lacks(ref vaultly.Ref, what string) error {
	return &vaultly.BackendError{Backend: "retry", Kind: vaultly.ErrConfig, Ref: ref,
		Msg: "inner backend " + backendkit.Name(b.inner) + " " + what}
}

// ReadsKeys is (*Backend).ReadsKeys.
func (bb *BatchingBackend) ReadsKeys() bool {
	if bb == nil {
		return false
	}
	return bb.b.ReadsKeys()
}

// GetPrefix is (*Backend).GetPrefix: the listing, retried as a whole.
func (bb *BatchingBackend) GetPrefix(ctx context.Context, prefix string, max int) (map[string]string, error) {
	if bb == nil {
		return nil, errNotNew
	}
	return bb.b.GetPrefix(ctx, prefix, max)
}

// GetLease is (*Backend).GetLease: one Ref with its lease, retried.
func (bb *BatchingBackend) GetLease(ctx context.Context, ref vaultly.Ref) (string, time.Duration, error) {
	if bb == nil {
		return "", 0, errNotNew
	}
	return bb.b.GetLease(ctx, ref)
}
