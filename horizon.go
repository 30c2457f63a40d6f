package vaultly

import (
	"sync"
	"sync/atomic"
	"time"
)

// A warm Secret.Get must know that its snapshot has not expired, and
// reading the clock costs more than the rest of Get. So the Loader keeps a
// horizon: a time on its clock (see Loader.clock) that has certainly not
// come yet, because a timer set to fire just before it has not fired. A
// snapshot that expires at or after the horizon is fresh without a clock
// read. A read that cannot decide so reads the clock and, when its
// snapshot is fresh, moves the horizon to its expiry if that is earlier:
// after each timer, the horizon settles on the earliest expiry being read.
//
// The horizon is off under WithClock (tests step that clock by hand) and
// with refresh-ahead (its deadline is not the expiry), and after Close.

// The horizon's timer fires a margin before the horizon, so that a timer
// the runtime runs late by less than the margin never lets a read take an
// expired value for a fresh one: 1/64 of the time left, between
// minHorizonMargin and maxHorizonMargin. A value that expires sooner than
// minHorizonLead from now gets no horizon: its reads read the clock.
const (
	horizonMargin    = time.Millisecond // the least margin
	maxHorizonMargin = time.Second
	minHorizonLead   = 100 * time.Millisecond
)

// marginFor is the timer's margin for a horizon lead away.
func marginFor(lead time.Duration) time.Duration {
	return min(max(lead/64, horizonMargin), maxHorizonMargin)
}

type horizon struct {
	at atomic.Int64 // 0: none

	mu     sync.Mutex
	timer  *time.Timer
	closed bool
}

// surelyBefore reports, without reading the clock, whether the clock is
// certainly before t.
func (l *Loader) surelyBefore(t int64) bool {
	h := l.hz.at.Load()
	return h != 0 && t >= h
}

// watch makes t the horizon if it is earlier than the current one, or if
// there is none, and far enough ahead of now for a timer.
func (l *Loader) watch(t, now int64) {
	if l.o.customClock || l.o.refreshAhead > 0 {
		return
	}
	if h := l.hz.at.Load(); h != 0 && h <= t {
		return
	}
	lead := time.Duration(t - now)
	if lead < minHorizonLead {
		return
	}
	d := lead - marginFor(lead)
	l.hz.mu.Lock()
	defer l.hz.mu.Unlock()
	if h := l.hz.at.Load(); l.hz.closed || (h != 0 && h <= t) {
		return
	}
	if l.hz.timer == nil {
		l.hz.timer = time.AfterFunc(d, l.horizonPassed)
	} else {
		l.hz.timer.Reset(d)
	}
	l.hz.at.Store(t)
}

// horizonPassed runs when the horizon's timer fires. A timer that fires
// after watch moved the horizon only clears it early, which is safe.
func (l *Loader) horizonPassed() {
	l.hz.mu.Lock()
	defer l.hz.mu.Unlock()
	l.hz.at.Store(0)
}

// stopHorizon turns the horizon off for good (Close).
func (l *Loader) stopHorizon() {
	l.hz.mu.Lock()
	defer l.hz.mu.Unlock()
	l.hz.closed = true
	l.hz.at.Store(0)
	if l.hz.timer != nil {
		l.hz.timer.Stop()
	}
}
