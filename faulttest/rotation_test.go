package faulttest_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vaultly/vaultly"
)

// creds is one secret holding two values that must change together.
type creds struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

func credsJSON(v int) string {
	return fmt.Sprintf(`{"user":"app-v%d","password":"pw-v%d"}`, v, v)
}

// credsVersion returns the version c is entirely from, or 0 when it is
// empty, unknown or mixed.
func credsVersion(c creds) int {
	for v := 1; v <= 4; v++ {
		if c.User == fmt.Sprintf("app-v%d", v) && c.Password == fmt.Sprintf("pw-v%d", v) {
			return v
		}
	}
	return 0
}

type rotationConfig struct {
	DB struct {
		Creds vaultly.Secret[creds] `secret:"/app/db/creds,ttl=1m,stale_on_error"`
	}
}

// Three rotations while 50 goroutines read: the first is picked up by
// refresh-ahead (readers keep getting the current value at once), the
// second by an explicit Refresh, the third when the value expires. Every value read is one whole version,
// never empty, never mixed; no reader ever sees an older version after a
// newer one; and a read that starts after Refresh returned never sees an
// older version than Refresh's.
func TestRotationUnderReaders(t *testing.T) {
	t.Parallel()
	const readers = 50
	for _, kind := range storeKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			st := kind.start(t)
			const path = "/app/db/creds"
			st.put(path, credsJSON(1))
			clk := newClock()
			var logs logSink
			l := mustLoader(t, fastRetry(t, st.backend(t, 0)),
				vaultly.WithClock(clk.Now), vaultly.WithLogger(logs.logger()), vaultly.WithPrefetch(true),
				vaultly.WithTTLJitter(0.1), vaultly.WithRefreshAhead(0.8))
			defer l.Close()
			var cfg rotationConfig
			ctx := context.Background()
			if err := l.Load(ctx, &cfg); err != nil {
				t.Fatal(err)
			}
			before := st.requests()

			var (
				stop     = make(chan struct{})
				reads    atomic.Int64
				seen     [5]atomic.Int64
				floor    atomic.Int64 // the version of the last Refresh that returned
				long     longest
				mu       sync.Mutex
				problems []string
				wg       sync.WaitGroup
			)
			floor.Store(1)
			fail := func(format string, args ...any) {
				mu.Lock()
				defer mu.Unlock()
				if len(problems) < 10 {
					problems = append(problems, fmt.Sprintf(format, args...))
				}
			}
			for r := range readers {
				wg.Go(func() {
					last := 1
					for {
						select {
						case <-stop:
							return
						default:
						}
						min := int(floor.Load())
						start := time.Now()
						c, err := cfg.DB.Creds.Get(ctx)
						long.observe(time.Since(start))
						v := credsVersion(c)
						switch {
						case err != nil:
							fail("reader %d: %v", r, err)
						case v == 0:
							fail("reader %d: empty or mixed value (user %d chars, password %d chars)", r, len(c.User), len(c.Password))
						case v < last:
							fail("reader %d: version %d after %d", r, v, last)
						case v < min:
							fail("reader %d: version %d after Refresh returned %d", r, v, min)
						}
						last = max(last, v)
						seen[v].Add(1)
						reads.Add(1)
						runtime.Gosched()
					}
				})
			}
			defer func() { // also when a wait below fails
				select {
				case <-stop:
				default:
					close(stop)
				}
				wg.Wait()
			}()
			wait := func(what string, cond func() bool) {
				t.Helper()
				deadline := time.Now().Add(10 * time.Second)
				for !cond() {
					if time.Now().After(deadline) {
						t.Fatalf("timed out waiting for %s", what)
					}
					runtime.Gosched()
				}
			}
			moreReads := func(n int64) {
				t.Helper()
				target := reads.Load() + n
				wait(fmt.Sprintf("%d more reads", n), func() bool { return reads.Load() >= target })
			}
			refresh := func(want int) {
				t.Helper()
				c, err := cfg.DB.Creds.Refresh(ctx)
				if got := credsVersion(c); err != nil || got != want {
					t.Fatalf("Refresh = version %d, %v; want %d", got, err, want)
				}
				floor.Store(int64(want))
			}

			moreReads(20000)
			// Rotation 1, picked up in the background: 50 s is past the
			// refresh-ahead point (0.8 of a jittered TTL in [54 s, 60 s])
			// and before expiry.
			st.put(path, credsJSON(2))
			clk.Advance(50 * time.Second)
			wait("a reader to see version 2", func() bool { return seen[2].Load() > 0 })
			// This Refresh also waits out the background fetch, so that
			// the next one cannot share a fetch made before rotation 2.
			refresh(2)
			moreReads(20000)

			// Rotation 2, picked up by Refresh.
			st.put(path, credsJSON(3))
			moreReads(10000) // readers still get version 2 from the cache
			refresh(3)
			moreReads(20000)

			// Rotation 3, picked up when the value expires: the readers
			// that meet the expired value share one fetch.
			st.put(path, credsJSON(4))
			clk.Advance(61 * time.Second)
			wait("a reader to see version 4", func() bool { return seen[4].Load() > 0 })
			moreReads(20000)
			close(stop)
			wg.Wait()

			for _, p := range problems {
				t.Error(p)
			}
			requests := st.requests() - before
			if requests < 3 || requests > 4 {
				t.Errorf("backend requests = %d, want 3 or 4 (a background refresh, two Refresh calls, of which the first may share the background one, and one fetch on expiry)", requests)
			}
			if seen[0].Load() != 0 {
				t.Errorf("%d bad values read", seen[0].Load())
			}
			logs.noSecrets(t, "pw-v1", "pw-v2", "pw-v3", "pw-v4")
			t.Logf("figures: %s rotation under %d readers: %d reads (v1 %d, v2 %d, v3 %d, v4 %d, bad 0), %d backend requests, longest read %v",
				st.name, readers, reads.Load(), seen[1].Load(), seen[2].Load(), seen[3].Load(), seen[4].Load(), requests, long.get().Round(time.Millisecond))
		})
	}
}
