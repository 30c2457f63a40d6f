package vaultly

import (
	"context"
	"time"

	"github.com/vaultly/vaultly/internal/contract"
)

// Hooks are optional callbacks for metrics and tracing. Every field may be
// nil. They are called synchronously on the goroutine doing the work, so
// they must be fast and safe for concurrent use; they never receive a
// secret value. Use KindOf(err) for a low-cardinality label. Backends and wrappers
// reach them with backendkit.Hooks.
type Hooks struct {
	// OnFetch is called after every backend call made for a Ref (a batch
	// call reports each of its Refs); took is wall time, even under
	// WithClock.
	OnFetch func(ref Ref, took time.Duration, err error)
	// OnCacheHit and OnCacheMiss are called on every cached read.
	OnCacheHit  func(ref Ref)
	OnCacheMiss func(ref Ref)
	// OnStale is called when an expired value is served because a refresh
	// failed; age is how long past its expiry the value is.
	OnStale func(ref Ref, age time.Duration)
	// OnRetry is called by backends/retry before it sleeps for another
	// attempt; ref is the zero Ref for a batch.
	OnRetry func(ref Ref, attempt int, err error, delay time.Duration)
	// OnReauth is called by backends that re-authenticate (vault) after
	// each attempt; err is nil when it succeeded.
	OnReauth func(backend string, err error)
}

// withHooks returns ctx carrying h for the backends below the Loader
// (backendkit.Hooks reads it).
func withHooks(ctx context.Context, h *Hooks) context.Context {
	return context.WithValue(ctx, contract.HooksKey{}, h)
}
