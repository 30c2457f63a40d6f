package faulttest_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

// The Vault token expires while 100 readers refresh 25 expired secrets at
// once: every reader gets its own secret's value, and the crowd logs in
// exactly once (counted at the server's approle endpoint and by the
// OnReauth hook). The login is held until every secret's refresh has been
// refused, so all of them meet the expired token together.
func TestVaultTokenExpiry(t *testing.T) {
	t.Parallel()
	const (
		readers = 100
		nFields = 25
	)
	srv := vaulttest.NewServer(t)
	srv.AddAppRole("app", "app-secret-id")
	ps := paths("/app/tok", nFields)
	for _, p := range ps {
		srv.Put(p[1:], map[string]any{"value": "v:" + p})
	}
	c := srv.Client()
	c.ClearToken() // the backend logs in before the first read
	b, err := vault.New(vault.WithClient(c), vault.WithAuth(vaulttest.AppRole{RoleID: "app", SecretID: "app-secret-id"}))
	if err != nil {
		t.Fatal(err)
	}
	clk := newClock()
	var pr probe
	var logs logSink
	l := mustLoader(t, fastRetry(t, b), vaultly.WithClock(clk.Now), vaultly.WithTTLJitter(0), vaultly.WithHooks(pr.hooks()),
		vaultly.WithLogger(logs.logger()), vaultly.WithPrefetch(true))
	defer l.Close()
	cfg := newSecrets(ps, ",ttl=1m,stale_on_error")
	ctx := context.Background()
	if err := l.Load(ctx, cfg.ptr()); err != nil {
		t.Fatal(err)
	}
	if n := srv.Logins(); n != 1 {
		t.Fatalf("logins after Load = %d, want 1", n)
	}

	// The token expires; the next login is held at the server.
	srv.RevokeToken(c.Token())
	hold := make(chan struct{})
	srv.Inject(vaulttest.Fault{Login: true, Hold: hold, Times: 1})
	clk.Advance(61 * time.Second)
	before := srv.TotalReads()

	var wg sync.WaitGroup
	vals := make([]string, readers)
	errs := make([]error, readers)
	var long longest
	for r := range readers {
		wg.Go(func() {
			start := time.Now()
			vals[r], errs[r] = cfg.at(r % nFields).Get(ctx)
			long.observe(time.Since(start))
		})
	}
	// Every secret's refresh has been refused before the login goes on.
	deadline := time.Now().Add(10 * time.Second)
	for srv.TotalReads()-before < nFields {
		if time.Now().After(deadline) {
			close(hold)
			t.Fatalf("refused reads = %d, want %d", srv.TotalReads()-before, nFields)
		}
		time.Sleep(time.Millisecond)
	}
	close(hold)
	wg.Wait()

	for r := range readers {
		if want := "v:" + ps[r%nFields]; errs[r] != nil || vals[r] != want {
			t.Errorf("reader %d: Get = %q, %v; want %q", r, vals[r], errs[r], want)
		}
	}
	if n := srv.Logins(); n != 2 {
		t.Errorf("logins = %d, want 2 (the first and exactly one re-login)", n)
	}
	if diff := cmp.Diff([]error{nil, nil}, pr.reauthCalls()); diff != "" {
		// The first login reports too: Load had no token.
		t.Errorf("OnReauth calls (-want +got):\n%s", diff)
	}
	reads := srv.TotalReads() - before
	if reads != 2*nFields {
		t.Errorf("reads = %d, want %d (each secret refused once, then read once)", reads, 2*nFields)
	}
	if n := pr.stale.Load(); n != 0 {
		t.Errorf("stale serves = %d, want 0: the re-login is not an outage", n)
	}
	logs.noSecrets(t, "v:/app/tok")
	t.Logf("figures: vault token expiry: %d concurrent readers of %d expired secrets, 1 re-login, %d backend reads, longest read %v (login held until all were refused)",
		readers, nFields, reads, long.get().Round(time.Millisecond))
}
