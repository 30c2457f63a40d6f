package faulttest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
	"github.com/vaultly/vaultly/backends/retry"
)

// fastRetry wraps inner in the retry backend with the default 3 attempts
// and millisecond delays, so that a failing refresh costs
// 3 x the client's attempts requests and no noticeable wall time.
func fastRetry(t *testing.T, inner vaultly.Backend, opts ...retry.Option) vaultly.Backend {
	t.Helper()
	base := []retry.Option{
		retry.MaxAttempts(3),
		retry.BaseDelay(time.Millisecond),
		retry.MaxDelay(4 * time.Millisecond),
		retry.TotalTimeout(10 * time.Second),
	}
	b, err := retry.New(inner, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type staleDB struct {
	Password vaultly.Secret[string] `secret:"/app/db/password,ttl=1m,stale_on_error"`
}

type staleConfig struct {
	DB     staleDB
	APIKey vaultly.Secret[string] `secret:"/app/api/key,ttl=2m,stale_on_error"`
}

// A total outage of the store that outlasts both TTLs, with
// stale_on_error: every read returns the last good value; the store is
// asked once per stale retry interval per field at most, less often as
// the failures go on (the interval doubles up to the TTL),
// not on every read; each failed refresh logs exactly one warning,
// without the value; after recovery, the first read past the longest
// backoff returns the new value.
func TestOutageServesStale(t *testing.T) {
	t.Parallel()
	const (
		outage     = 5 * time.Minute
		step       = time.Second
		perStep    = 2 // reads of each field per step
		staleRetry = 10 * time.Second
	)
	for _, kind := range storeKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			st := kind.start(t)
			st.put("/app/db/password", "pw-old")
			st.put("/app/api/key", "key-old")
			var cfg staleConfig
			rig := loadUnderFaults(t, st, &cfg, vaultly.WithStaleRetryInterval(staleRetry))
			clk, logs, pr := rig.clk, rig.logs, rig.pr
			ctx := context.Background()

			fields := []struct {
				name string
				s    *vaultly.Secret[string]
				ttl  time.Duration
				old  string
				new  string
			}{
				{"staleConfig.DB.Password", &cfg.DB.Password, time.Minute, "pw-old", "pw-new"},
				{"staleConfig.APIKey", &cfg.APIKey, 2 * time.Minute, "key-old", "key-new"},
			}
			st.outage()
			before := st.requests()
			reads, expiredReads := 0, 0
			var long longest
			for elapsed := step; elapsed <= outage; elapsed += step {
				clk.Advance(step)
				for _, f := range fields {
					for range perStep {
						start := time.Now()
						v, err := f.s.Get(ctx)
						long.observe(time.Since(start))
						reads++
						if err != nil || v != f.old {
							t.Fatalf("%s at +%v of outage: Get = %q, %v; want the last good value", f.name, elapsed, v, err)
						}
						if elapsed >= f.ttl {
							expiredReads++
						}
					}
				}
			}
			outageRequests := st.requests() - before

			failedTotal := 0
			for _, f := range fields {
				failed := pr.fetched(f.s.Ref(), "transient")
				failedTotal += failed
				// Expired at ttl, then one attempt per retry interval at
				// most, and at least one per TTL (the backoff's cap).
				most := int((outage-f.ttl)/staleRetry) + 1
				least := int((outage - f.ttl) / f.ttl)
				if failed < least || failed > most {
					t.Errorf("%s: %d failed refreshes, want %d to %d (one per %v to %v after expiry)", f.name, failed, least, most, staleRetry, f.ttl)
				}
				// One warning per failed refresh that left a stale value
				// served: a refresh together of the other field may have
				// asked for this one once while it was still fresh.
				if w := logs.staleWarnings(t, f.name); w > failed || w < failed-1 {
					t.Errorf("%s: %d stale warnings for %d failed refreshes, want one each (but one)", f.name, w, failed)
				}
			}
			// A batch store may ask for both fields in one request.
			perFetch := 3 * st.attempts
			if outageRequests > failedTotal*perFetch || outageRequests < failedTotal*perFetch/len(fields) {
				t.Errorf("requests during the outage = %d, want %d or fewer (%d refreshes x %d retry attempts x %d client attempts), at least half that",
					outageRequests, failedTotal*perFetch, failedTotal, 3, st.attempts)
			}
			if got := pr.stale.Load(); got != int64(expiredReads) {
				t.Errorf("stale serves = %d, want one per read of an expired value (%d)", got, expiredReads)
			}

			// Recovery, with a rotation during the outage.
			st.recover()
			for _, f := range fields {
				st.put(f.s.Ref().Path, f.new)
			}
			before = st.requests()
			for _, f := range fields {
				// The last attempt failed less than the retry interval ago:
				// still the stale value, and the store is not asked.
				if v, err := f.s.Get(ctx); err != nil || v != f.old {
					t.Errorf("%s right after recovery: Get = %q, %v; want the stale value", f.name, v, err)
				}
			}
			if n := st.requests() - before; n != 0 {
				t.Errorf("reads within the retry interval made %d requests, want 0", n)
			}
			clk.Advance(fields[1].ttl) // the longest backoff
			for _, f := range fields {
				if v, err := f.s.Get(ctx); err != nil || v != f.new {
					t.Errorf("%s after recovery: Get = %q, %v; want %q", f.name, v, err, f.new)
				}
				if v, err := f.s.Get(ctx); err != nil || v != f.new { // cached now
					t.Errorf("%s second read after recovery: Get = %q, %v", f.name, v, err)
				}
			}
			if n := st.requests() - before; n < 1 || n > len(fields) {
				t.Errorf("requests after recovery = %d, want 1 to %d (one per field, or one batch)", n, len(fields))
			}
			for _, f := range fields {
				if w, failed := logs.staleWarnings(t, f.name), pr.fetched(f.s.Ref(), "transient"); w > failed || w < failed-1 {
					t.Errorf("%s: warnings after recovery: %d for %d failed refreshes", f.name, w, failed)
				}
			}
			logs.noSecrets(t, "pw-old", "pw-new", "key-old", "key-new")
			t.Logf("figures: %s outage %v (TTLs 1m, 2m; fake clock), stale_on_error: %d reads, %d stale serves, %d warnings = %d failed refreshes, %d backend requests, longest read %v",
				st.name, outage, reads, pr.stale.Load(), failedTotal, failedTotal, outageRequests, long.get().Round(time.Millisecond))
		})
	}
}

type plainDB struct {
	Password vaultly.Secret[string] `secret:"/app/db/password,ttl=1m"`
}

type plainConfig struct{ DB plainDB }

// The same outage without stale_on_error: the value is served while it is
// fresh; once it has expired every read asks the store and fails with
// ErrTransient, naming the field and never holding the value; the first
// read after recovery returns the new value.
func TestOutageWithoutStaleFails(t *testing.T) {
	t.Parallel()
	const failingReads = 5
	for _, kind := range storeKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			st := kind.start(t)
			st.put("/app/db/password", "pw-old")
			var cfg plainConfig
			rig := loadUnderFaults(t, st, &cfg)
			clk, logs, pr := rig.clk, rig.logs, rig.pr
			ctx := context.Background()
			st.outage()
			before := st.requests()

			clk.Advance(30 * time.Second) // still fresh
			if v, err := cfg.DB.Password.Get(ctx); err != nil || v != "pw-old" {
				t.Fatalf("fresh Get during the outage = %q, %v", v, err)
			}
			if n := st.requests() - before; n != 0 {
				t.Errorf("a fresh read made %d requests", n)
			}
			clk.Advance(31 * time.Second) // expired
			for i := range failingReads {
				v, err := cfg.DB.Password.Get(ctx)
				if v != "" || !errors.Is(err, vaultly.ErrTransient) {
					t.Fatalf("read %d: Get = %q, %v; want ErrTransient and no value", i, v, err)
				}
				var fe *vaultly.FieldError
				if !errors.As(err, &fe) || fe.Field != "plainConfig.DB.Password" {
					t.Errorf("read %d: error %v does not name the field", i, err)
				}
				var re *retry.Error
				if !errors.As(err, &re) || re.Attempts != 3 {
					t.Errorf("read %d: error %v is not a retry.Error after 3 attempts", i, err)
				}
				if strings.Contains(err.Error(), "pw-old") {
					t.Errorf("error holds the secret value: %v", err)
				}
				clk.Advance(10 * time.Second)
			}
			outageRequests := st.requests() - before
			if want := failingReads * 3 * st.attempts; outageRequests != want {
				t.Errorf("requests = %d, want %d (each read asks: 3 retry attempts x %d client attempts)", outageRequests, want, st.attempts)
			}
			if n := pr.stale.Load(); n != 0 {
				t.Errorf("stale serves = %d without stale_on_error", n)
			}

			st.recover()
			st.put("/app/db/password", "pw-new")
			if v, err := cfg.DB.Password.Get(ctx); err != nil || v != "pw-new" {
				t.Errorf("first read after recovery = %q, %v; want pw-new", v, err)
			}
			before = st.requests()
			if v, err := cfg.DB.Password.Get(ctx); err != nil || v != "pw-new" {
				t.Errorf("second read after recovery = %q, %v", v, err)
			}
			if n := st.requests() - before; n != 0 {
				t.Errorf("a cached read made %d requests", n)
			}
			if recs := logs.records(t); len(recs) != 0 {
				t.Errorf("log records without stale_on_error: %v", recs)
			}
			t.Logf("figures: %s outage without stale_on_error: %d failing reads (ErrTransient), %d backend requests, 0 stale serves",
				st.name, failingReads, outageRequests)
		})
	}
}

type boundedDB struct {
	Password vaultly.Secret[string] `secret:"/app/db/password,ttl=1m,stale_on_error=2m"`
}

type boundedConfig struct{ DB boundedDB }

// stale_on_error=2m: the stale value is served for at most two minutes
// past its expiry; after that the outage shows as ErrTransient, and the
// first read after recovery returns the new value.
func TestOutageStaleBound(t *testing.T) {
	t.Parallel()
	for _, kind := range storeKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			st := kind.start(t)
			st.put("/app/db/password", "pw-old")
			var cfg boundedConfig
			rig := loadUnderFaults(t, st, &cfg)
			clk, logs, pr := rig.clk, rig.logs, rig.pr
			ctx := context.Background()
			st.outage()
			// Expiry at 1m; the bound ends at 3m.
			for _, at := range []time.Duration{61 * time.Second, 2 * time.Minute, 3 * time.Minute} {
				clk.Advance(at - elapsedSince(clk))
				if v, err := cfg.DB.Password.Get(ctx); err != nil || v != "pw-old" {
					t.Fatalf("at %v: Get = %q, %v; want the stale value", at, v, err)
				}
			}
			clk.Advance(time.Second)
			if v, err := cfg.DB.Password.Get(ctx); v != "" || !errors.Is(err, vaultly.ErrTransient) {
				t.Fatalf("past the bound: Get = %q, %v; want ErrTransient", v, err)
			}
			if n := pr.stale.Load(); n != 3 {
				t.Errorf("stale serves = %d, want 3", n)
			}
			if w := logs.staleWarnings(t, "boundedConfig.DB.Password"); w != 3 {
				t.Errorf("stale warnings = %d, want 3", w)
			}
			st.recover()
			st.put("/app/db/password", "pw-new")
			if v, err := cfg.DB.Password.Get(ctx); err != nil || v != "pw-new" {
				t.Errorf("after recovery: Get = %q, %v; want pw-new", v, err)
			}
			logs.noSecrets(t, "pw-old", "pw-new")
		})
	}
}

// faultRig is a Loader over a store's backend behind a fast retry, with a
// fake clock, captured logs and hook counters.
type faultRig struct {
	l    *vaultly.Loader
	clk  *mock.Clock
	logs *logSink
	pr   *probe
}

// loadUnderFaults builds a faultRig and loads dst through it with
// prefetch, so every Secret starts warm; the Loader is closed at cleanup.
func loadUnderFaults(t *testing.T, st *store, dst any, opts ...vaultly.Option) faultRig {
	t.Helper()
	r := faultRig{clk: newClock(), logs: &logSink{}, pr: &probe{}}
	opts = append([]vaultly.Option{vaultly.WithClock(r.clk.Now), vaultly.WithTTLJitter(0), vaultly.WithLogger(r.logs.logger()),
		vaultly.WithHooks(r.pr.hooks()), vaultly.WithPrefetch(true)}, opts...)
	r.l = mustLoader(t, fastRetry(t, st.backend(t, 0)), opts...)
	t.Cleanup(func() { r.l.Close() })
	if err := r.l.Load(context.Background(), dst); err != nil {
		t.Fatal(err)
	}
	return r
}

// elapsedSince returns how far c is past the start of every test clock.
func elapsedSince(c *mock.Clock) time.Duration { return c.Now().Sub(newClock().Now()) }
