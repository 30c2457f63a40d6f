package main

import (
	"expvar"
	"fmt"
	"time"

	"github.com/vaultly/vaultly"
)

// metrics is a set of expvar counters fed by vaultly.Hooks. root is the
// map to publish; it holds:
//
//	fetches       backend fetches by outcome: "ok", "transient", "auth", "not_found", ... (vaultly.KindOf)
//	cache_hits    reads answered from the cache
//	cache_misses  reads that went to the backend
//	stale_serves  expired values served because the backend failed (stale_on_error)
//	retries       retries made by backends/retry
//	reauths       logins by outcome, "ok" or "failed": the first login
//	              of a backend without a token, and each re-login after
//	              the store refused the token
//
// The labels are low-cardinality on purpose: no path, no secret. expvar
// variables are safe for concurrent use, as hooks must be.
type metrics struct {
	root    *expvar.Map
	fetches *expvar.Map
	hits    *expvar.Int
	misses  *expvar.Int
	stale   *expvar.Int
	retries *expvar.Int
	reauths *expvar.Map
}

// newMetrics builds the counters without publishing them, so that tests
// can make as many as they like; main publishes one with expvar.Publish.
func newMetrics() *metrics {
	m := &metrics{
		root:    new(expvar.Map).Init(),
		fetches: new(expvar.Map).Init(),
		hits:    new(expvar.Int),
		misses:  new(expvar.Int),
		stale:   new(expvar.Int),
		retries: new(expvar.Int),
		reauths: new(expvar.Map).Init(),
	}
	m.root.Set("fetches", m.fetches)
	m.root.Set("cache_hits", m.hits)
	m.root.Set("cache_misses", m.misses)
	m.root.Set("stale_serves", m.stale)
	m.root.Set("retries", m.retries)
	m.root.Set("reauths", m.reauths)
	return m
}

// hooks returns the callbacks to pass to vaultly.WithHooks.
func (m *metrics) hooks() vaultly.Hooks {
	return vaultly.Hooks{
		OnFetch: func(_ vaultly.Ref, _ time.Duration, err error) {
			m.fetches.Add(vaultly.KindOf(err), 1)
		},
		OnCacheHit:  func(vaultly.Ref) { m.hits.Add(1) },
		OnCacheMiss: func(vaultly.Ref) { m.misses.Add(1) },
		OnStale:     func(vaultly.Ref, time.Duration) { m.stale.Add(1) },
		OnRetry:     func(vaultly.Ref, int, error, time.Duration) { m.retries.Add(1) },
		OnReauth: func(_ string, err error) {
			if err != nil {
				m.reauths.Add("failed", 1)
				return
			}
			m.reauths.Add("ok", 1)
		},
	}
}

// summary is a one-line view of the counters.
func (m *metrics) summary() string {
	return fmt.Sprintf("fetch ok=%d transient=%d  hit=%d miss=%d stale=%d retry=%d login=%d",
		count(m.fetches, "ok"), count(m.fetches, "transient"),
		m.hits.Value(), m.misses.Value(), m.stale.Value(), m.retries.Value(), count(m.reauths, "ok"))
}

// count returns the value of the Int at key in mp, 0 when absent.
func count(mp *expvar.Map, key string) int64 {
	if v, ok := mp.Get(key).(*expvar.Int); ok {
		return v.Value()
	}
	return 0
}
