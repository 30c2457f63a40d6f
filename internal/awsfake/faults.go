package awsfake

import "time"

// A Fault changes how the server answers the requests it matches: it adds
// latency, answers with an error, or drops the connection.
type Fault struct {
	Err     *APIError     // the error answer; nil for none
	Drop    bool          // close the connection without an answer
	Latency time.Duration // wait this long first
	Times   int           // requests it applies to; 0 = until cleared
}

type installedFault struct {
	Fault
	names map[string]bool // nil: every request
	left  int             // remaining uses when Times > 0
}

func (f *installedFault) matches(names []string) bool {
	if f.names == nil {
		return true
	}
	for _, n := range names {
		if f.names[n] {
			return true
		}
	}
	return false
}

// Inject installs f for requests that name any of names, or for every
// request when no name is given. Faults apply in the order they were
// injected: latencies add up, and the first error or drop decides the
// answer. Every fault that matched a request counts it against its Times.
func (c *Core[C]) Inject(f Fault, names ...string) {
	in := &installedFault{Fault: f, left: f.Times}
	if len(names) > 0 {
		in.names = make(map[string]bool, len(names))
		for _, n := range names {
			in.names[n] = true
		}
	}
	c.mu.Lock()
	c.faults = append(c.faults, in)
	c.mu.Unlock()
}

// ClearFaults removes every injected fault.
func (c *Core[C]) ClearFaults() {
	c.mu.Lock()
	c.faults = nil
	c.mu.Unlock()
}

// takeFaults returns what to do for a request naming names, consuming one
// use of every matching fault.
func (c *Core[C]) takeFaults(names []string) (latency time.Duration, failure *Fault) {
	c.mu.Lock()
	defer c.mu.Unlock()
	kept := c.faults[:0]
	for _, f := range c.faults {
		if f.matches(names) {
			latency += f.Latency
			if failure == nil && (f.Drop || f.Err != nil) {
				ff := f.Fault
				failure = &ff
			}
			if f.Times > 0 {
				f.left--
				if f.left == 0 {
					continue
				}
			}
		}
		kept = append(kept, f)
	}
	for i := len(kept); i < len(c.faults); i++ {
		c.faults[i] = nil
	}
	c.faults = kept
	return latency, failure
}
