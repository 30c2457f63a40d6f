package mock

import (
	"slices"

	"github.com/vaultly/vaultly"
)

// Every call is recorded when it arrives, before any hold, latency,
// injected failure or context check, so a test sees what its code asked
// for whatever the outcome.

// Calls returns every Ref asked for, in order of arrival: the Ref of each
// Get and each Ref of each GetBatch, duplicates included. The slice is a
// copy.
func (b *Backend) Calls() []vaultly.Ref {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.calls)
}

// BatchCalls returns the Refs of each GetBatch call, one entry per call,
// in order of arrival. The slices are copies.
func (b *Backend) BatchCalls() [][]vaultly.Ref {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([][]vaultly.Ref, len(b.batchCalls))
	for i, refs := range b.batchCalls {
		out[i] = slices.Clone(refs)
	}
	return out
}

// Requests returns the number of round trips: each Get and each GetBatch
// counts one.
func (b *Backend) Requests() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.requests
}

// ResetCalls forgets the calls recorded so far (Calls, BatchCalls and
// Requests). Values, failures, latencies and holds are kept.
func (b *Backend) ResetCalls() {
	b.mu.Lock()
	defer b.mu.Unlock()
	// Keep the capacity: a benchmark that resets every iteration should
	// not pay for growing the log again. Calls and BatchCalls hand out
	// copies, so nothing outside sees the reuse.
	clear(b.batchCalls)
	b.calls, b.batchCalls = b.calls[:0], b.batchCalls[:0]
	b.requests = 0
}

// recordLocked logs one call. b.mu must be held.
func (b *Backend) recordLocked(refs []vaultly.Ref, batch bool) {
	b.requests++
	start := len(b.calls)
	b.calls = append(b.calls, refs...)
	if batch {
		// A batch's entry is its stretch of the call log, capped so that
		// nothing can append through it.
		end := len(b.calls)
		b.batchCalls = append(b.batchCalls, b.calls[start:end:end])
	}
}
