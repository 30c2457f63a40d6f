// Package flight is the module's one single flight: callers that ask for
// the same key while a call for it runs share that call. The cache uses it
// for backend fetches, and the vault backend for logins and for detecting
// a mount's KV version.
//
// The rule when a caller's context ends: that caller stops waiting and
// gets ctx.Err() at once; the call goes on for the callers still waiting,
// and is cancelled when none is left. So one impatient caller never hands
// its cancellation to the others, and a call nobody waits for does not run
// on.
package flight

import (
	"context"
	"sync"

	"github.com/vaultly/vaultly/internal/fanout"
)

// Group runs at most one call per key at a time. The zero value is ready
// to use.
type Group[K comparable, V any] struct {
	mu    sync.Mutex
	calls map[K]*call[V]
}

type call[V any] struct {
	done    chan struct{}
	val     V
	err     error
	waiters int // callers still waiting; guarded by Group.mu
	cancel  context.CancelFunc
}

// Do returns the result of fn for key: of the call in flight for key if
// there is one, else of a new call. The call runs on its own goroutine
// with a context that carries the values of ctx (the caller that started
// it) but not its deadline or cancellation; that context is cancelled when
// every caller waiting for the call has gone. A caller whose ctx ends, or
// has ended before Do, gets ctx.Err() at once. A call that panics gives
// fanout.ErrPanicked to its callers.
func (g *Group[K, V]) Do(ctx context.Context, key K, fn func(context.Context) (V, error)) (V, error) {
	return g.do(ctx, key, false, fn)
}

// DoNew is Do, except that it starts a new call even when one is in flight
// for key: for a caller that must not take an answer that started before
// it. The new call is the one later callers of Do share; the old one goes
// on for its own callers.
func (g *Group[K, V]) DoNew(ctx context.Context, key K, fn func(context.Context) (V, error)) (V, error) {
	return g.do(ctx, key, true, fn)
}

func (g *Group[K, V]) do(ctx context.Context, key K, fresh bool, fn func(context.Context) (V, error)) (V, error) {
	var zero V
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	g.mu.Lock()
	c, ok := g.calls[key]
	if !ok || fresh {
		cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		c = &call[V]{done: make(chan struct{}), cancel: cancel}
		if g.calls == nil {
			g.calls = make(map[K]*call[V])
		}
		g.calls[key] = c
		go g.run(cctx, key, c, fn)
	}
	c.waiters++
	g.mu.Unlock()

	select {
	case <-c.done:
		return c.val, c.err
	case <-ctx.Done():
		g.mu.Lock()
		c.waiters--
		if c.waiters == 0 {
			c.cancel()
			g.forgetLocked(key, c) // a caller that comes later starts afresh
		}
		g.mu.Unlock()
		return zero, ctx.Err()
	}
}

func (g *Group[K, V]) run(ctx context.Context, key K, c *call[V], fn func(context.Context) (V, error)) {
	defer c.cancel()
	finished := false
	defer func() {
		if !finished { // a panic, or runtime.Goexit
			recover()
			c.val, c.err = *new(V), fanout.ErrPanicked
		}
		g.mu.Lock()
		g.forgetLocked(key, c)
		g.mu.Unlock()
		close(c.done)
	}()
	c.val, c.err = fn(ctx)
	finished = true
}

// forgetLocked removes c from the group if it is still key's call.
func (g *Group[K, V]) forgetLocked(key K, c *call[V]) {
	if g.calls[key] == c {
		delete(g.calls, key)
	}
}
