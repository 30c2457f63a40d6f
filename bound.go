package vaultly

// WithMaxEntries bounds how many values a Loader's cache holds. The slots
// holding a value are kept in a ring; a clock hand goes round it, and a
// slot read since the hand last passed it gets a second chance (the CLOCK
// approximation of least recently used, which costs a read one atomic load
// instead of a lock). The hand drops the value of the first slot it finds
// unread. Dropping a value does not touch a fetch in flight: its answer is
// recorded as usual, and counted again.

// admit counts s, which has just been given a value, and drops values
// while the ring holds more than the bound.
func (l *Loader) admit(s *slot) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s.ringAt >= 0 || s.cur.Load() == nil {
		return // counted already, or dropped since
	}
	s.ringAt = int32(len(l.ring))
	l.ring = append(l.ring, s)
	s.used.Store(true)
	for len(l.ring) > l.o.maxEntries {
		if l.hand >= len(l.ring) {
			l.hand = 0
		}
		v := l.ring[l.hand]
		if v == s || v.used.Swap(false) {
			l.hand++ // the newcomer, or read lately: a second chance
			continue
		}
		l.leaveRingLocked(v) // the last slot moves to l.hand
		v.evict()
	}
}

// leaveRingLocked takes s out of the ring, if it is there. l.mu must be
// held.
func (l *Loader) leaveRingLocked(s *slot) {
	i := s.ringAt
	if i < 0 {
		return
	}
	last := len(l.ring) - 1
	l.ring[i] = l.ring[last]
	l.ring[i].ringAt = i
	l.ring[last] = nil
	l.ring = l.ring[:last]
	s.ringAt = -1
}

// evict drops s's value (and with it the stale window); the next Get of a
// Secret that reads s fetches it again.
func (s *slot) evict() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cur.Store(nil)
	s.fail.Store(nil)
}
