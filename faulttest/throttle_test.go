package faulttest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/retry"
)

// Storm settings: every answer is a throttling error that takes
// stormLatency to arrive, so one call of the client (3 attempts) takes
// about 150 ms and four retry attempts would take longer than the budget.
const (
	stormLatency  = 50 * time.Millisecond
	stormBudget   = 500 * time.Millisecond
	stormAttempts = 4
)

func stormRetry(t *testing.T, inner vaultly.Backend) vaultly.Backend {
	t.Helper()
	b, err := retry.New(inner,
		retry.MaxAttempts(stormAttempts),
		retry.BaseDelay(20*time.Millisecond),
		retry.MaxDelay(200*time.Millisecond),
		retry.TotalTimeout(stormBudget))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A throttling storm while 50 readers read 10 expired secrets: every read
// fails with ErrTransient (no value, no wrong value); the retry backend's
// budget ends each refresh (the longest read is reported, not asserted);
// concurrent readers of one secret share one refresh; and the requests
// the store sees are bounded by refreshes x retry attempts x client
// attempts.
func TestThrottlingStorm(t *testing.T) {
	t.Parallel()
	const (
		nFields = 10
		readers = 50
		waves   = 4
	)
	for _, kind := range storeKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			st := kind.start(t)
			ps := paths("/app/storm", nFields)
			for _, p := range ps {
				st.put(p, "v1:"+p)
			}
			clk := newClock()
			var pr probe
			l := mustLoader(t, stormRetry(t, st.backend(t, 0)),
				vaultly.WithClock(clk.Now), vaultly.WithHooks(pr.hooks()), vaultly.WithPrefetch(true))
			defer l.Close()
			cfg := newSecrets(ps, ",ttl=1m")
			ctx := context.Background()
			if err := l.Load(ctx, cfg.ptr()); err != nil {
				t.Fatal(err)
			}
			clk.Advance(61 * time.Second)
			st.throttle(stormLatency)
			before := st.requests()

			var long longest
			var mu sync.Mutex
			var bad []string
			for range waves {
				var wg sync.WaitGroup
				for r := range readers {
					wg.Go(func() {
						start := time.Now()
						v, err := cfg.at(r % nFields).Get(ctx)
						long.observe(time.Since(start))
						if v != "" || !errors.Is(err, vaultly.ErrTransient) {
							mu.Lock()
							bad = append(bad, v+" / "+errString(err))
							mu.Unlock()
						}
					})
				}
				wg.Wait()
			}
			if len(bad) > 0 {
				t.Fatalf("%d reads did not fail with ErrTransient and no value, e.g. %q", len(bad), bad[0])
			}
			requests := st.requests() - before
			refreshes := 0
			for i := range nFields {
				refreshes += pr.fetched(cfg.at(i).Ref(), "transient")
			}
			reads := readers * waves
			if refreshes > reads || refreshes < nFields*waves {
				t.Errorf("refreshes = %d for %d reads of %d secrets in %d waves", refreshes, reads, nFields, waves)
			}
			if limit := refreshes * stormAttempts * st.attempts; requests > limit || requests == 0 {
				t.Errorf("requests = %d, want 1..%d (%d refreshes x %d retry attempts x %d client attempts)",
					requests, limit, refreshes, stormAttempts, st.attempts)
			}
			t.Logf("figures: %s throttling storm (%v per answer, budget %v, %d retry attempts): %d reads by %d readers, %d refreshes, %d backend requests, longest read %v",
				st.name, stormLatency, stormBudget, stormAttempts, reads, readers, refreshes, requests, long.get().Round(time.Millisecond))

			// A cold start in the same storm fails as a whole, within the
			// same bounds, and leaves the config untouched.
			before = st.requests()
			cold := newSecrets(ps, ",ttl=1m")
			start := time.Now()
			err := vaultly.LoadContext(ctx, cold.ptr(), stormRetry(t, st.backend(t, 0)), vaultly.WithPrefetch(true))
			took := time.Since(start)
			if !errors.Is(err, vaultly.ErrTransient) {
				t.Fatalf("Load in a storm: %v, want ErrTransient", err)
			}
			if _, err := cold.at(0).Get(ctx); !errors.Is(err, vaultly.ErrConfig) {
				t.Errorf("after a failed Load, Get = %v; want the not-loaded ErrConfig", err)
			}
			coldRequests := st.requests() - before
			if limit := nFields * stormAttempts * st.attempts; coldRequests > limit {
				t.Errorf("Load made %d requests, want at most %d", coldRequests, limit)
			}
			t.Logf("figures: %s cold start in the storm: Load failed with ErrTransient after %v, %d backend requests",
				st.name, took.Round(time.Millisecond), coldRequests)
		})
	}
}

// A short storm, longer than the client's own retries but shorter than the
// retry backend's, is absorbed: the read returns the new value after one
// retry of the wrapper, and the store saw exactly the throttled requests
// and one good one.
func TestThrottlingAbsorbed(t *testing.T) {
	t.Parallel()
	for _, kind := range storeKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			st := kind.start(t)
			const path = "/app/db/password"
			st.put(path, "pw-1")
			clk := newClock()
			var pr probe
			l := mustLoader(t, fastRetry(t, st.backend(t, 0)),
				vaultly.WithClock(clk.Now), vaultly.WithHooks(pr.hooks()), vaultly.WithPrefetch(false))
			defer l.Close()
			var cfg plainConfig
			ctx := context.Background()
			if err := l.Load(ctx, &cfg); err != nil {
				t.Fatal(err)
			}
			st.put(path, "pw-2")
			throttled := st.attempts + 1 // one more than the client retries
			st.throttleN(path, throttled)
			before := st.requests()
			if v, err := cfg.DB.Password.Get(ctx); err != nil || v != "pw-2" {
				t.Fatalf("Get = %q, %v; want pw-2", v, err)
			}
			if n := st.requests() - before; n != throttled+1 {
				t.Errorf("requests = %d, want %d throttled + 1", n, throttled)
			}
			if n := pr.retries.Load(); n != 1 {
				t.Errorf("retries seen by the hook = %d, want 1", n)
			}
			t.Logf("figures: %s absorbed storm: %d throttled answers, 1 read, 1 retry, %d backend requests",
				st.name, throttled, throttled+1)
		})
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
