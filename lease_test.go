package vaultly_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultly/vaultly"
)

type dbCreds struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// TestLeaseExpiry: a leased Secret's value is fresh until two thirds of
// its lease or its TTL, whichever ends first; a lease of 0 leaves the TTL
// alone, and one that had ended is fresh for no time. The whole answer
// decodes into one struct, so both parts come from one lease. The field
// is read with GetLease only, never Get.
func TestLeaseExpiry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		tag   string
		valid time.Duration
		fresh time.Duration // fresh before this age, expired at it
	}{
		{"lease shorter than the TTL", "ttl=1h", 30 * time.Second, 20 * time.Second},
		{"TTL shorter than the lease", "ttl=10s", time.Hour, 10 * time.Second},
		{"lease, no TTL", "", 90 * time.Second, time.Minute},
		{"no lease: the TTL alone", "ttl=45s", 0, 45 * time.Second},
		{"a lease that had ended", "ttl=1h", -time.Second, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			clock := newClock()
			s := newStore(map[string]string{"database/creds/app": `{"username":"v-1","password":"` + leak + `"}`})
			s.leases = map[string]time.Duration{"database/creds/app": tt.valid}
			l := mustLoader(t, leaseBatch{s}, vaultly.WithClock(clock.Now), vaultly.WithTTLJitter(0))
			sec, dst := leasedField(tt.tag)
			if err := l.Load(ctx, dst); err != nil {
				t.Fatal(err)
			}
			if tt.fresh > 0 {
				got, err := sec.Get(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(dbCreds{"v-1", leak}, got); diff != "" {
					t.Errorf("creds (-want +got):\n%s", diff)
				}
			}
			s.set("database/creds/app", `{"username":"v-2","password":"p2"}`) // the next lease
			leases := func() int {
				gets, batches, _, leased := s.calls()
				if len(gets)+len(batches) > 0 {
					t.Errorf("a leased field was read with Get or GetBatch: %v %v", gets, batches)
				}
				return len(leased)
			}
			if tt.fresh > 0 {
				clock.Advance(tt.fresh - time.Nanosecond)
				if got, err := sec.Get(ctx); err != nil || got.Username != "v-1" || leases() != 1 {
					t.Errorf("just before %v: %+v, %v, %d leases; want v-1 from the cache", tt.fresh, got.Username, err, leases())
				}
				clock.Advance(time.Nanosecond)
			}
			if got, err := sec.Get(ctx); err != nil || got != (dbCreds{"v-2", "p2"}) || leases() != 2 {
				t.Errorf("at %v: %+v, %v, %d leases; want v-2, p2 from a new lease", tt.fresh, got.Username, err, leases())
			}
		})
	}
}

// leasedField returns a struct with a leased Secret[dbCreds] whose tag
// has the options opts after lease, and that Secret.
func leasedField(opts string) (*vaultly.Secret[dbCreds], any) {
	switch opts {
	case "ttl=1h":
		var c struct {
			Creds vaultly.Secret[dbCreds] `secret:"database/creds/app,lease,ttl=1h"`
		}
		return &c.Creds, &c
	case "ttl=10s":
		var c struct {
			Creds vaultly.Secret[dbCreds] `secret:"database/creds/app,lease,ttl=10s"`
		}
		return &c.Creds, &c
	case "ttl=45s":
		var c struct {
			Creds vaultly.Secret[dbCreds] `secret:"database/creds/app,lease,ttl=45s"`
		}
		return &c.Creds, &c
	}
	var c struct {
		Creds vaultly.Secret[dbCreds] `secret:"database/creds/app,lease"`
	}
	return &c.Creds, &c
}

// TestLeaseLoad: a plain leased field is read with GetLease at Load; a
// plain field and a Secret naming the same leased Ref share one lease; a
// backend without leases is a configuration error naming the field and
// the backend, before anything is fetched.
func TestLeaseLoad(t *testing.T) {
	t.Parallel()
	values := map[string]string{"database/creds/app": `{"username":"v-1","password":"p"}`, "/plain": "x"}
	t.Run("plain and Secret share one lease", func(t *testing.T) {
		t.Parallel()
		s := newStore(values)
		var cfg struct {
			Plain  dbCreds                 `secret:"database/creds/app,lease"`
			Secret vaultly.Secret[dbCreds] `secret:"database/creds/app,lease"`
			Other  string                  `secret:"/plain"`
		}
		if err := vaultly.Load(&cfg, leaseBatch{s}); err != nil {
			t.Fatal(err)
		}
		sec, err := cfg.Secret.Get(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]any{dbCreds{"v-1", "p"}, dbCreds{"v-1", "p"}, "x"}, []any{cfg.Plain, sec, cfg.Other}); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		gets, batches, _, leased := s.calls()
		want := struct {
			Gets    []vaultly.Ref
			Batches [][]vaultly.Ref
			Leased  []vaultly.Ref
		}{nil, [][]vaultly.Ref{{{Path: "/plain"}}}, []vaultly.Ref{{Path: "database/creds/app"}}}
		got := want
		got.Gets, got.Batches, got.Leased = gets, batches, leased
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("calls (-want +got):\n%s", diff)
		}
	})
	t.Run("backend without leases", func(t *testing.T) {
		t.Parallel()
		s := newStore(values)
		var cfg struct {
			Other string                  `secret:"/plain"`
			Creds vaultly.Secret[dbCreds] `secret:"database/creds/app,lease"`
		}
		err := vaultly.Load(&cfg, batchStore{s})
		if !errors.Is(err, vaultly.ErrConfig) {
			t.Fatalf("Load = %v, want ErrConfig", err)
		}
		for _, w := range []string{"Creds", "option lease needs a backend whose values carry a lease", "fake is not one"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not contain %q", err, w)
			}
		}
		if gets, batches, _, _ := s.calls(); len(gets)+len(batches) > 0 {
			t.Errorf("the backend was asked (%v %v) although the struct is wrong", gets, batches)
		}
	})
	t.Run("lease failure names the field", func(t *testing.T) {
		t.Parallel()
		s := newStore(map[string]string{})
		var cfg struct {
			Creds dbCreds `secret:"database/creds/app,lease"`
		}
		err := vaultly.Load(&cfg, leaseStore{s})
		if !errors.Is(err, vaultly.ErrNotFound) || !strings.Contains(err.Error(), "Creds (database/creds/app): fake:") {
			t.Fatalf("Load = %v, want ErrNotFound naming the field, the path and the backend", err)
		}
	})
}
