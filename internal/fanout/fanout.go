// Package fanout is the module's one bounded fan-out: Load's Gets against
// a backend that cannot batch, and the parallel requests of the backends'
// batch, list and lease code (ssm, secretsmanager, vault, chain) all go
// through Run.
package fanout

import (
	"context"
	"errors"
	"sync"
)

// ErrPanicked is the error of a call that panicked, and the cause every
// backend error of a panic in this module carries. The panic value is
// dropped: it may hold a secret.
var ErrPanicked = errors.New("backend panicked")

// Run calls fn(i) for each i in [0, n), each on its own goroutine and at
// most limit (at least 1) at once, waits for every call it started, and
// returns the calls' errors by index. If ctx ends while Run waits for a
// free slot it starts no more calls, and every index it did not start gets
// ctx.Err(). A call that panics is recovered and gets ErrPanicked, and so
// does one that ends its goroutine with runtime.Goexit.
func Run(ctx context.Context, n, limit int, fn func(i int) error) []error {
	errs := make([]error, n)
	sem := make(chan struct{}, max(limit, 1))
	var wg sync.WaitGroup
	for i := range n {
		if !acquire(ctx, sem) {
			for j := i; j < n; j++ {
				errs[j] = ctx.Err()
			}
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = ErrPanicked // stays if fn ends the goroutine (runtime.Goexit)
			errs[i] = call(fn, i)
		})
	}
	wg.Wait()
	return errs
}

// acquire takes a slot, unless ctx ends first. A context that has ended
// wins over a free slot, so that nothing starts after it ends.
func acquire(ctx context.Context, sem chan struct{}) bool {
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	if ctx.Err() != nil {
		<-sem
		return false
	}
	return true
}

func call(fn func(int) error, i int) (err error) {
	defer func() {
		if recover() != nil {
			err = ErrPanicked
		}
	}()
	return fn(i)
}
