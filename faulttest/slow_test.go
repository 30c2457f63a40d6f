package faulttest_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/retry"
)

type slowConfig struct {
	Password vaultly.Secret[string] `secret:"/app/db/password,ttl=1m"`
	APIKey   vaultly.Secret[string] `secret:"/app/api/key,ttl=1m,stale_on_error"`
}

// The store answers after 30 s, far above the client's timeout (200 ms)
// and the retry budget (1 s). Readers of an expired secret get
// ErrTransient, or the stale value where the field allows it, long before
// the store would have answered; the store sees a bounded number of
// requests; and once the loader and the server are closed no goroutine
// is left behind.
func TestSlowStore(t *testing.T) {
	// Not parallel: it counts the process's goroutines.
	const (
		latency       = 30 * time.Second
		clientTimeout = 200 * time.Millisecond
		budget        = time.Second
		readers       = 10
	)
	for _, kind := range storeKinds {
		t.Run(kind.name, func(t *testing.T) {
			baseline := runtime.NumGoroutine()
			st := kind.start(t)
			st.put("/app/db/password", "pw-old")
			st.put("/app/api/key", "key-old")
			b, err := retry.New(st.backend(t, clientTimeout),
				retry.MaxAttempts(3), retry.BaseDelay(10*time.Millisecond), retry.MaxDelay(50*time.Millisecond),
				retry.TotalTimeout(budget))
			if err != nil {
				t.Fatal(err)
			}
			clk := newClock()
			var pr probe
			var logs logSink
			l := mustLoader(t, b, vaultly.WithClock(clk.Now), vaultly.WithTTLJitter(0), vaultly.WithPrefetch(true),
				vaultly.WithHooks(pr.hooks()), vaultly.WithLogger(logs.logger()))
			var cfg slowConfig
			ctx := context.Background()
			if err := l.Load(ctx, &cfg); err != nil {
				t.Fatal(err)
			}

			st.slow(latency)
			clk.Advance(61 * time.Second)
			before := st.requests()
			var long longest
			var wg sync.WaitGroup
			errs := make([]error, readers)
			vals := make([]string, readers)
			for r := range readers {
				wg.Go(func() {
					s := &cfg.Password
					if r%2 == 1 {
						s = &cfg.APIKey
					}
					start := time.Now()
					vals[r], errs[r] = s.Get(ctx)
					long.observe(time.Since(start))
				})
			}
			wg.Wait()
			for r := range readers {
				if r%2 == 0 {
					if vals[r] != "" || !errors.Is(errs[r], vaultly.ErrTransient) {
						t.Errorf("reader %d (no stale): Get = %q, %v; want ErrTransient", r, vals[r], errs[r])
					}
					// Attempts or budget, whichever ran out first (SSM: 3
					// client attempts of 200 ms each exceed the budget;
					// Vault: its 200 ms timeout covers a whole call).
					var re *retry.Error
					if !errors.As(errs[r], &re) {
						t.Errorf("reader %d: %v; want a retry.Error", r, errs[r])
					}
				} else if vals[r] != "key-old" || errs[r] != nil {
					t.Errorf("reader %d (stale_on_error): Get = %q, %v; want the stale value", r, vals[r], errs[r])
				}
			}
			// Not a timing assertion: a read that waited for the store
			// would have taken the store's 30 s.
			if long.get() >= latency {
				t.Errorf("longest read %v: a reader waited for the slow store", long.get())
			}
			requests := st.requests() - before
			refreshes := pr.fetched(cfg.Password.Ref(), "transient") + pr.fetched(cfg.APIKey.Ref(), "transient")
			if refreshes != 2 {
				t.Errorf("refreshes = %d, want 2 (one shared by the readers of each secret)", refreshes)
			}
			if limit := refreshes * 3 * st.attempts; requests > limit {
				t.Errorf("requests = %d, want at most %d", requests, limit)
			}
			logs.noSecrets(t, "pw-old", "key-old")
			t.Logf("figures: %s slow store (%v latency, client timeout %v, budget %v): %d readers, %d ErrTransient, %d stale serves, %d refreshes, %d backend requests, longest read %v",
				st.name, latency, clientTimeout, budget, readers, readers/2, pr.stale.Load(), refreshes, requests, long.get().Round(time.Millisecond))

			st.recover()
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			st.close()
			if n := settleGoroutines(baseline); n > baseline {
				buf := make([]byte, 1<<20)
				t.Errorf("goroutines: %d before, %d after\n%s", baseline, n, buf[:runtime.Stack(buf, true)])
			}
		})
	}
}
