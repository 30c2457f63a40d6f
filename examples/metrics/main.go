// Command metrics shows how to count what vaultly does with expvar, through
// vaultly.Hooks: backend fetches by outcome, cache hits and misses, stale
// values served, retries and Vault re-logins. The library imports no metrics
// package; the hooks are plain callbacks, so the same wiring works for
// Prometheus or OpenTelemetry counters.
//
// From the repository root:
//
//	go run ./examples/metrics
//
// It starts a loopback Vault (package vaulttest), loads a config through the
// real Vault client wrapped in the retry backend, then lives through a
// throttling blip, an expired token and an outage, and prints the counters as
// expvar serves them at /debug/vars. The cache runs on a simulated clock, so
// the half hour the scenario covers passes at once; the store, the client
// and the network round trips are real.
package main

import (
	"context"
	"expvar"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
	"github.com/vaultly/vaultly/backends/retry"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

// Config is the application's configuration.
type Config struct {
	DBUser     string                 `secret:"/app/db:user"`
	DBPassword vaultly.Secret[string] `secret:"/app/db:password,ttl=5m,stale_on_error"`
	APIKey     vaultly.Secret[string] `secret:"/app/api:key,ttl=15m"`
}

func main() {
	m := newMetrics()
	// Published, the counters appear at /debug/vars of any server that
	// serves http.DefaultServeMux, under "vaultly".
	expvar.Publish("vaultly", m.root)
	if err := run(context.Background(), os.Stdout, m); err != nil {
		fmt.Fprintln(os.Stderr, "metrics:", err)
		os.Exit(1)
	}
}

// run plays the scenario and writes what happens, then the counters, to out.
func run(ctx context.Context, out io.Writer, m *metrics) error {
	srv, err := vaulttest.New()
	if err != nil {
		return err
	}
	defer srv.Close()
	srv.Put("app/db", map[string]any{"user": "svc_orders", "password": "example-db-password-1"})
	srv.Put("app/api", map[string]any{"key": "example-api-key-1"})
	srv.AddAppRole("orders", "example-secret-id")

	// The real Vault client, logging in with approle (again whenever Vault
	// refuses the token), wrapped in the retry backend.
	client := srv.Client()
	client.ClearToken()
	vb, err := vault.New(vault.WithClient(client),
		vault.WithAuth(vaulttest.AppRole{RoleID: "orders", SecretID: "example-secret-id"}))
	if err != nil {
		return err
	}
	backend, err := retry.New(vb,
		retry.BaseDelay(5*time.Millisecond), retry.MaxDelay(20*time.Millisecond), retry.TotalTimeout(2*time.Second))
	if err != nil {
		return err
	}

	logger := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{ReplaceAttr: dropTime}))
	clk := mock.NewClock(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)) // the cache's simulated clock
	loader, err := vaultly.New(backend,
		vaultly.WithPrefetch(false), // lazy Secrets: the first reads below are misses
		vaultly.WithHooks(m.hooks()),
		vaultly.WithLogger(logger),
		vaultly.WithClock(clk.Now))
	if err != nil {
		return err
	}
	defer loader.Close()

	var cfg Config
	if err := loader.Load(ctx, &cfg); err != nil {
		return err
	}
	step := func(what string) { fmt.Fprintf(out, "%-44s %s\n", what, m.summary()) }
	step("loaded (1 login, 1 fetch)")

	read := func(s *vaultly.Secret[string]) error {
		_, err := s.Get(ctx) // a real program would use the value
		return err
	}
	for range 3 {
		if err := read(&cfg.DBPassword); err != nil {
			return err
		}
	}
	if err := read(&cfg.APIKey); err != nil {
		return err
	}
	step("4 reads of 2 secrets (2 misses, 2 hits)")

	// Vault throttles more often than its client retries: the retry
	// backend tries again and the read succeeds.
	srv.Inject(vaulttest.Fault{Path: "app/db", Status: http.StatusTooManyRequests, Times: 3})
	clk.Advance(6 * time.Minute)
	if err := read(&cfg.DBPassword); err != nil {
		return err
	}
	step("throttled refresh (1 retry)")

	// The token expires: Vault answers 403, the backend logs in again.
	srv.RevokeToken(client.Token())
	clk.Advance(6 * time.Minute)
	if err := read(&cfg.DBPassword); err != nil {
		return err
	}
	step("expired token (1 re-login)")

	// Vault is sealed past the TTL: stale_on_error serves the last good
	// value. The store is asked once, then not again for the retry
	// interval (5 s), so the next reads cost nothing.
	srv.Seal()
	clk.Advance(6 * time.Minute)
	for range 3 {
		if err := read(&cfg.DBPassword); err != nil {
			return err
		}
	}
	step("outage (1 failed fetch, 3 stale serves)")

	srv.ClearFaults()
	clk.Advance(10 * time.Second)
	if err := read(&cfg.DBPassword); err != nil {
		return err
	}
	step("recovered (1 fetch)")

	fmt.Fprintf(out, "expvar vaultly = %s\n", m.root.String())
	return nil
}

func dropTime(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}
