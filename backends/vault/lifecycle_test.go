package vault_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

// tokenEvents records WithTokenHook's events.
type tokenEvents struct {
	mu      sync.Mutex
	list    []vault.TokenEvent
	changed chan struct{}
}

func newTokenEvents() *tokenEvents { return &tokenEvents{changed: make(chan struct{})} }

func (e *tokenEvents) hook(ev vault.TokenEvent) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.list = append(e.list, ev)
	close(e.changed)
	e.changed = make(chan struct{})
}

// summary describes the events as "op ttl" or "op kind" lines.
func (e *tokenEvents) summary() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]string, len(e.list))
	for i, ev := range e.list {
		if ev.Err != nil {
			out[i] = fmt.Sprintf("%s %v", ev.Op, vaultly.KindOf(ev.Err))
		} else {
			out[i] = fmt.Sprintf("%s %s", ev.Op, ev.TTL)
		}
	}
	return out
}

func (e *tokenEvents) errs() []error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []error
	for _, ev := range e.list {
		if ev.Err != nil {
			out = append(out, ev.Err)
		}
	}
	return out
}

func (e *tokenEvents) count(op vault.TokenOp) (ok, failed int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ev := range e.list {
		switch {
		case ev.Op != op:
		case ev.Err == nil:
			ok++
		default:
			failed++
		}
	}
	return ok, failed
}

// await waits (at most 10 s of real time) for n events.
func (e *tokenEvents) await(t *testing.T, n int) {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		e.mu.Lock()
		got, ch := len(e.list), e.changed
		e.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("%d token events within 10 s, want %d: %v", got, n, e.summary())
		}
	}
}

// lifeServer is a vaulttest server in clk's time with an approle role
// "app"/"sid" and one entry app/db.
func lifeServer(t *testing.T, clk *fakeClock, ttl, maxTTL time.Duration) *vaulttest.Server {
	t.Helper()
	srv := vaulttest.NewServer(t, vaulttest.WithClock(clk.Now), vaulttest.WithTokenTTL(ttl, maxTTL))
	srv.Put("app/db", map[string]any{"password": "pw"})
	srv.AddAppRole("app", "sid")
	return srv
}

// lifeBackend is a backend over srv without a token, logging in with
// login (an api.AuthMethod or a token function), in clk's time; it is
// closed when the test ends.
func lifeBackend(t *testing.T, srv *vaulttest.Server, clk *fakeClock, ev *tokenEvents, opts ...vault.Option) *vault.Backend {
	t.Helper()
	c := srv.Client()
	c.ClearToken()
	b := newBackendWithClient(t, c, append([]vault.Option{vault.WithClock(clk), vault.WithTokenHook(ev.hook)}, opts...)...)
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func appRoleLogin(t *testing.T) vault.Option {
	t.Helper()
	m, err := vault.AppRole("app", vault.SecretIDFromString("sid"))
	if err != nil {
		t.Fatal(err)
	}
	return vault.WithAuth(m)
}

func mustRead(t *testing.T, b *vault.Backend) {
	t.Helper()
	if v, err := b.Get(t.Context(), vaultly.Ref{Path: "app/db:password"}); err != nil || v != "pw" {
		t.Fatalf("Get = %q, %v", v, err)
	}
}

// refused counts the 403 answers srv gave.
func refused(srv *vaulttest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Status == http.StatusForbidden {
			n++
		}
	}
	return n
}

// Three weeks of reads through a token with a 1 h TTL and a 24 h max TTL:
// every read succeeds, no request ever meets an expired token (no 403 at
// all), the token is renewed every 40 minutes and replaced by a login
// about once a day.
func TestLifecycleWeeks(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	srv := lifeServer(t, clk, time.Hour, 24*time.Hour)
	ev := newTokenEvents()
	b := lifeBackend(t, srv, clk, ev, appRoleLogin(t))

	const span = 3 * 7 * 24 * time.Hour
	start := clk.Now()
	reads, failed := 0, 0
	read := func() {
		reads++
		if v, err := b.Get(t.Context(), vaultly.Ref{Path: "app/db:password"}); err != nil || v != "pw" {
			failed++
			t.Errorf("at %s: Get = %q, %v", clk.Now().Sub(start), v, err)
		}
	}
	read() // logs in
	for clk.Now().Sub(start) < span {
		clk.fireNext(t)
		clk.waitArmed(t) // the renewal or login is done
		read()
		read()
	}
	logins, failedLogins := ev.count(vault.TokenLogin)
	renewals, failedRenewals := ev.count(vault.TokenRenewal)
	t.Logf("%s of virtual time: %d reads, %d failed reads, %d renewals, %d logins, %d refused requests",
		clk.Now().Sub(start), reads, failed, renewals, logins, refused(srv))

	if failed != 0 || failedLogins != 0 || failedRenewals != 0 {
		t.Errorf("failed reads %d, logins %d, renewals %d; want none", failed, failedLogins, failedRenewals)
	}
	if n := refused(srv); n != 0 {
		t.Errorf("%d requests refused with 403; want 0 (the token never expires)", n)
	}
	// A token lives 23h46m40s: 35 renewals 40 min apart, the last one
	// capped at the 40 min its max TTL leaves, and a login at two thirds
	// of that. 21 days hold 21 such lives after the first login.
	if logins != 22 || srv.Logins() != logins {
		t.Errorf("logins: hook %d, server %d; want 22", logins, srv.Logins())
	}
	if renewals < 21*35 || renewals > 22*35 || srv.Renewals() != renewals {
		t.Errorf("renewals: hook %d, server %d; want %d to %d", renewals, srv.Renewals(), 21*35, 22*35)
	}
}

// The step-by-step plan of one token: renewed at two thirds of its TTL,
// then, once a renewal comes back capped by the max TTL, replaced by a
// login at two thirds of what is left.
func TestLifecycleRenewThenLoginAtMaxTTL(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	srv := lifeServer(t, clk, time.Hour, 90*time.Minute)
	ev := newTokenEvents()
	b := lifeBackend(t, srv, clk, ev, appRoleLogin(t))

	mustRead(t, b)
	var moved []time.Duration
	for range 2 {
		moved = append(moved, clk.fireNext(t))
		clk.waitArmed(t)
	}
	mustRead(t, b)
	if diff := cmp.Diff([]time.Duration{40 * time.Minute, 50 * time.Minute * 2 / 3}, moved); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	want := []string{"login 1h0m0s", "renewal 50m0s", "login 1h0m0s"}
	if diff := cmp.Diff(want, ev.summary()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if srv.Logins() != 2 || srv.Renewals() != 1 || refused(srv) != 0 {
		t.Errorf("server: %d logins, %d renewals, %d refused; want 2, 1, 0", srv.Logins(), srv.Renewals(), refused(srv))
	}
}

// A renewal that fails is followed by a login at once; a login that fails
// is tried again after a second.
func TestLifecycleRenewalFails(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	srv := lifeServer(t, clk, time.Hour, 24*time.Hour)
	ev := newTokenEvents()
	b := lifeBackend(t, srv, clk, ev, appRoleLogin(t))

	mustRead(t, b)
	clk.waitArmed(t)
	srv.RevokeToken(b.Client().Token())
	// One login attempt fails: the client sends it 3 times (2 retries).
	srv.Inject(vaulttest.Fault{Login: true, Status: http.StatusServiceUnavailable, Times: 3})
	clk.fireNext(t)
	at := clk.waitArmed(t)
	if d := at.Sub(clk.Now()); d != time.Second {
		t.Errorf("a failed login is tried again after %s, want 1s", d)
	}
	clk.fireNext(t)
	clk.waitArmed(t)
	mustRead(t, b)

	want := []string{"login 1h0m0s", "renewal auth", "login transient", "login 1h0m0s"}
	if diff := cmp.Diff(want, ev.summary()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	for _, e := range ev.errs() {
		if strings.Contains(e.Error(), "hvs.") || strings.Contains(e.Error(), "sid") {
			t.Errorf("event error %q holds a token or secret id", e)
		}
	}
}

// A token function gives no TTL: the backend looks it up, then renews.
func TestLifecycleTokenFuncLooksUp(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	srv := lifeServer(t, clk, time.Hour, 24*time.Hour)
	ev := newTokenEvents()
	tf := func(ctx context.Context) (string, error) {
		c := srv.Client()
		c.ClearToken()
		s, err := c.Auth().Login(ctx, vaulttest.AppRole{RoleID: "app", SecretID: "sid"})
		if err != nil {
			return "", err
		}
		return s.Auth.ClientToken, nil
	}
	b := lifeBackend(t, srv, clk, ev, vault.WithTokenFunc(tf))

	mustRead(t, b)
	clk.waitArmed(t)
	clk.fireNext(t)
	clk.waitArmed(t)
	want := []string{"login 0s", "lookup 1h0m0s", "renewal 1h0m0s"}
	if diff := cmp.Diff(want, ev.summary()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// A token that does not expire (root) is looked up once and left alone.
func TestLifecycleTokenWithoutTTL(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	srv := lifeServer(t, clk, time.Hour, 24*time.Hour)
	ev := newTokenEvents()
	b := lifeBackend(t, srv, clk, ev, vault.WithTokenFunc(func(context.Context) (string, error) {
		return srv.RootToken(), nil
	}))
	mustRead(t, b)
	ev.await(t, 2)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"login 0s", "lookup 0s"}, ev.summary()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if first, _ := clk.pending(); first != nil {
		t.Errorf("a timer is armed for %s; want none", first.at)
	}
}

// A token file is never renewed: the file is read again at two thirds of
// the token's TTL, picking up the token Vault Agent wrote meanwhile.
func TestLifecycleTokenFile(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	srv := lifeServer(t, clk, time.Hour, 24*time.Hour)
	path := filepath.Join(t.TempDir(), "token")
	writeToken := func() string {
		c := srv.Client()
		c.ClearToken()
		s, err := c.Auth().Login(t.Context(), vaulttest.AppRole{RoleID: "app", SecretID: "sid"})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(s.Auth.ClientToken+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return s.Auth.ClientToken
	}
	first := writeToken()
	m, err := vault.TokenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ev := newTokenEvents()
	b := lifeBackend(t, srv, clk, ev, vault.WithAuth(m))

	mustRead(t, b)
	clk.waitArmed(t)
	if b.Client().Token() != first {
		t.Fatal("the backend does not use the token from the file")
	}
	second := writeToken()
	if moved := clk.fireNext(t); moved != 40*time.Minute {
		t.Errorf("file read again after %s, want 40m", moved)
	}
	clk.waitArmed(t)
	if b.Client().Token() != second {
		t.Error("the backend did not pick up the new token from the file")
	}
	mustRead(t, b)
	want := []string{"login 0s", "lookup 1h0m0s", "login 0s", "lookup 20m0s"} // the second token was written at the start
	if diff := cmp.Diff(want, ev.summary()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if n := srv.Renewals(); n != 0 {
		t.Errorf("%d renewals of a token file's token; want 0", n)
	}
}

// lifecycleGoroutines counts the goroutines running the backend's
// lifecycle or a login of internal/flight.
func lifecycleGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "backends/vault.(*Backend).run") || strings.Contains(g, "internal/flight.(*Group") {
			count++
		}
	}
	return count
}

// awaitGoroutines waits (at most 10 s) until lifecycleGoroutines is at
// most n.
func awaitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for lifecycleGoroutines() > n {
		if time.Now().After(deadline) {
			t.Fatalf("%d lifecycle goroutines, want at most %d", lifecycleGoroutines(), n)
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

// Close ends the goroutine, is idempotent, and reads after it still work
// without starting a new one. Not parallel: it counts goroutines.
func TestCloseStopsLifecycle(t *testing.T) {
	clk := newFakeClock()
	srv := lifeServer(t, clk, time.Hour, 24*time.Hour)
	ev := newTokenEvents()
	base := lifecycleGoroutines()

	unused := lifeBackend(t, srv, clk, ev, appRoleLogin(t))
	if n := lifecycleGoroutines(); n != base {
		t.Errorf("%d lifecycle goroutines before any login, want %d", n, base)
	}
	if err := unused.Close(); err != nil {
		t.Errorf("Close of an unused backend = %v", err)
	}

	b := lifeBackend(t, srv, clk, ev, appRoleLogin(t))
	mustRead(t, b)
	clk.waitArmed(t)
	if n := lifecycleGoroutines(); n != base+1 {
		t.Errorf("%d lifecycle goroutines after a login, want %d", n, base+1)
	}
	for range 2 {
		if err := b.Close(); err != nil {
			t.Errorf("Close = %v", err)
		}
	}
	awaitGoroutines(t, base)

	srv.RevokeToken(b.Client().Token())
	mustRead(t, b) // 403, login, read again
	awaitGoroutines(t, base)
	if n := srv.Logins(); n != 2 {
		t.Errorf("logins = %d, want 2", n)
	}
}

// Close cancels a renewal in flight and waits for it.
func TestCloseDuringRenewal(t *testing.T) {
	clk := newFakeClock()
	srv := lifeServer(t, clk, time.Hour, 24*time.Hour)
	ev := newTokenEvents()
	base := lifecycleGoroutines()
	b := lifeBackend(t, srv, clk, ev, appRoleLogin(t))
	mustRead(t, b)
	clk.waitArmed(t)

	hold := make(chan struct{})
	defer close(hold)
	// Logins hang until cancelled.
	srv.Inject(vaulttest.Fault{Login: true, Hold: hold})
	srv.RevokeToken(b.Client().Token()) // the renewal fails, the login hangs
	clk.fireNext(t)
	ev.await(t, 2) // login, failed renewal: the login is on its way
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	awaitGoroutines(t, base)
	if _, failed := ev.count(vault.TokenLogin); failed != 0 {
		t.Errorf("a login cancelled by Close was reported as failed")
	}
}
