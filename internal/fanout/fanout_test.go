package fanout_test

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vaultly/vaultly/internal/fanout"
)

var errOdd = errors.New("odd")

func TestRun(t *testing.T) {
	t.Parallel()
	var running, peak atomic.Int32
	block := make(chan struct{})
	done := make(chan []error)
	go func() {
		done <- fanout.Run(context.Background(), 6, 2, func(i int) error {
			n := running.Add(1)
			defer running.Add(-1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			if i < 2 {
				<-block // the first two hold their slots until released
			}
			switch {
			case i == 4:
				runtime.Goexit()
			case i == 5:
				panic("the value hunter2")
			case i%2 == 1:
				return errOdd
			}
			return nil
		})
	}()
	close(block)
	got := <-done
	want := []error{nil, errOdd, nil, errOdd, fanout.ErrPanicked, fanout.ErrPanicked}
	if diff := cmp.Diff(want, got, cmpopts.EquateErrors()); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if p := peak.Load(); p > 2 {
		t.Errorf("%d calls ran at once, limit 2", p)
	}
}

// TestRunStopsWaitingForASlot: once ctx ends, Run starts nothing more and
// the indexes it never started get ctx.Err().
func TestRunStopsWaitingForASlot(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	var started atomic.Int32
	got := fanout.Run(ctx, 4, 1, func(i int) error {
		started.Add(1)
		cancel() // the first call ends the context while Run waits for its slot
		return nil
	})
	if n := started.Load(); n != 1 {
		t.Errorf("started %d calls, want 1", n)
	}
	want := []error{nil, context.Canceled, context.Canceled, context.Canceled}
	if diff := cmp.Diff(want, got, cmpopts.EquateErrors()); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}
