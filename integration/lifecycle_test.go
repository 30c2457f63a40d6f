package integration

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/vault"
)

// statusCounter counts the answers with a status, of every request.
type statusCounter struct {
	next   http.RoundTripper
	status int
	n      atomic.Int32
}

func (c *statusCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if err == nil && resp.StatusCode == c.status {
		c.n.Add(1)
	}
	return resp, err
}

// tokenCounts counts the lifecycle's events by operation and outcome.
type tokenCounts struct {
	mu sync.Mutex
	ok map[vault.TokenOp]int
	ko map[vault.TokenOp]int
}

func (c *tokenCounts) hook(ev vault.TokenEvent) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ev.Err != nil {
		c.ko[ev.Op]++
		return
	}
	c.ok[ev.Op]++
}

// A process reading continuously through several short token TTLs, on a
// real core: an approle role issues tokens with a 3 s TTL and a 10 s max
// TTL; the backend renews them at two thirds of their TTL and logs in
// again before the max TTL ends. Over 13 s (four TTLs, more than one max
// TTL) every read succeeds and no request meets an expired token.
func TestTokenLifecycleCore(t *testing.T) {
	t.Parallel()
	const (
		ttl    = 3 * time.Second
		maxTTL = 10 * time.Second
		span   = 13 * time.Second
	)
	tg := newCoreTarget(t)
	ctx := context.Background()
	_, err := tg.root.Logical().WriteWithContext(ctx, "auth/approle/role/short", map[string]any{
		"token_policies": "app", "token_ttl": "3s", "token_max_ttl": "10s",
	})
	must(t, err)
	rid, err := tg.root.Logical().ReadWithContext(ctx, "auth/approle/role/short/role-id")
	must(t, err)
	sid, err := tg.root.Logical().WriteWithContext(ctx, "auth/approle/role/short/secret-id", nil)
	must(t, err)
	put(t, tg, "life/db", map[string]any{"password": "pw"})

	login, err := vault.AppRole(rid.Data["role_id"].(string), vault.SecretIDFromString(sid.Data["secret_id"].(string)))
	must(t, err)
	transport := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(transport.CloseIdleConnections)
	refused := &statusCounter{next: transport, status: http.StatusForbidden}
	client, err := api.NewClient(&api.Config{
		Address:      tg.addr,
		HttpClient:   &http.Client{Transport: refused},
		MaxRetries:   2,
		MinRetryWait: time.Millisecond,
		MaxRetryWait: 5 * time.Millisecond,
		Timeout:      20 * time.Second,
	})
	must(t, err)
	client.ClearToken()
	counts := &tokenCounts{ok: map[vault.TokenOp]int{}, ko: map[vault.TokenOp]int{}}
	b, err := vault.New(vault.WithClient(client), vault.WithMount(mount), vault.WithAuth(login), vault.WithTokenHook(counts.hook))
	must(t, err)
	defer b.Close()

	reads, failed := 0, 0
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	for time.Since(start) < span {
		reads++
		if v, err := b.Get(ctx, vaultly.Ref{Path: "life/db:password"}); err != nil || v != "pw" {
			failed++
			t.Errorf("at %s: Get = %q, %v", time.Since(start).Round(time.Millisecond), v, err)
		}
		<-tick.C
	}
	must(t, b.Close())

	counts.mu.Lock()
	defer counts.mu.Unlock()
	t.Logf("%s with a %s TTL and a %s max TTL: %d reads, %d failed reads, %d renewals (%d failed), %d logins (%d failed), %d requests refused",
		span, ttl, maxTTL, reads, failed, counts.ok[vault.TokenRenewal], counts.ko[vault.TokenRenewal],
		counts.ok[vault.TokenLogin], counts.ko[vault.TokenLogin], refused.n.Load())
	if failed != 0 {
		t.Errorf("%d of %d reads failed", failed, reads)
	}
	if n := refused.n.Load(); n != 0 {
		t.Errorf("%d requests refused with 403, want 0: the token expired", n)
	}
	// Renewals at 2 s, 4 s, 6 s, 8 s (capped: 2 s left), a login at about
	// 9.3 s, and so on: at least 4 renewals and 2 logins in 13 s.
	if n := counts.ok[vault.TokenRenewal]; n < 4 {
		t.Errorf("%d renewals, want at least 4", n)
	}
	if n := counts.ok[vault.TokenLogin]; n < 2 {
		t.Errorf("%d logins, want at least 2 (one before the max TTL)", n)
	}
	if counts.ko[vault.TokenRenewal]+counts.ko[vault.TokenLogin] != 0 {
		t.Errorf("failed renewals or logins: %v", counts.ko)
	}
}
