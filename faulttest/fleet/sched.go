package fleet

import (
	"container/heap"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// sched runs the instances' goroutines one at a time in virtual time.
//
// Every goroutine the simulation starts holds "the turn" while it runs and
// gives it back only by sleeping (sched.sleep) or ending. The scheduler
// wakes the sleeper due first (ties in the order they fell asleep), sets the
// clock to its wake-up time, and waits for the turn to come back. So
// the clock never moves while anyone computes, a sleep of an hour costs
// nothing, and the order of requests at the store is the same from run to
// run. Goroutines that the code under test starts and waits for (the
// single flight's call, the SSM backend's parallel chunks) run inside the
// turn of the goroutine waiting for them; a sleep from one of them (the
// retry backend's, in a single-flight call) passes the turn on like any
// other.
type sched struct {
	base time.Time
	ns   atomic.Int64 // virtual time since base

	mu   sync.Mutex
	q    waitHeap
	seq  uint64
	done bool

	turn chan struct{} // the goroutine holding the turn sends here when it sleeps or ends
	wg   sync.WaitGroup
}

func newSched(base time.Time) *sched {
	return &sched{base: base, turn: make(chan struct{})}
}

// now is the virtual clock, for vaultly.WithClock, ssmtest.WithClock and
// retry.WithClock.
func (s *sched) now() time.Time { return s.base.Add(time.Duration(s.ns.Load())) }

// elapsed is the virtual time since the start.
func (s *sched) elapsed() time.Duration { return time.Duration(s.ns.Load()) }

var errStopped = errors.New("fleet: simulation over")

// sleep gives the turn back until d of virtual time has passed. It is
// retry.WithSleep's function too. After the end it returns at once.
func (s *sched) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	ch, ok := s.push(s.ns.Load() + int64(d))
	if !ok {
		return errStopped
	}
	s.turn <- struct{}{}
	<-ch
	if err := ctx.Err(); err != nil {
		return err
	}
	return nil
}

func (s *sched) push(at int64) (chan struct{}, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return nil, false
	}
	s.seq++
	w := &waiter{at: at, seq: s.seq, ch: make(chan struct{})}
	heap.Push(&s.q, w)
	return w.ch, true
}

// start runs fn on a goroutine of its own from virtual time at on.
func (s *sched) start(at time.Duration, fn func()) {
	ch, ok := s.push(int64(at))
	if !ok {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		<-ch
		defer func() { s.turn <- struct{}{} }()
		fn()
	}()
}

// run hands the turn to each sleeper in order until the next wake-up is
// past end or stop reports true. It returns the virtual time reached.
func (s *sched) run(end time.Duration, stop func() bool) time.Duration {
	for !stop() {
		s.mu.Lock()
		if s.q.Len() == 0 || s.q[0].at > int64(end) {
			s.mu.Unlock()
			break
		}
		w := heap.Pop(&s.q).(*waiter)
		s.mu.Unlock()
		s.ns.Store(w.at)
		close(w.ch)
		<-s.turn
	}
	return s.elapsed()
}

// shutdown ends the simulation: cancel must already have cancelled the
// context every instance runs under. It wakes every sleeper at once (they
// see the cancelled context and return) and waits for every goroutine
// started with start to end.
func (s *sched) shutdown() {
	s.mu.Lock()
	s.done = true
	ws := s.q
	s.q = nil
	s.mu.Unlock()
	drained := make(chan struct{})
	go func() {
		for {
			select {
			case <-s.turn:
			case <-drained:
				return
			}
		}
	}()
	for _, w := range ws {
		close(w.ch)
	}
	s.wg.Wait()
	close(drained)
}

type waiter struct {
	at  int64
	seq uint64
	ch  chan struct{}
}

type waitHeap []*waiter

func (h waitHeap) Len() int { return len(h) }
func (h waitHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}
func (h waitHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *waitHeap) Push(x any)   { *h = append(*h, x.(*waiter)) }
func (h *waitHeap) Pop() any {
	old := *h
	w := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return w
}
