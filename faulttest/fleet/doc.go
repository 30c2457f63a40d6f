// Package fleet simulates a fleet of service instances, each with its own
// vaultly Loader, reading 100 Secret fields from one SSM Parameter Store
// account (or, Scenario.Store, one Secrets Manager account) that enforces
// a request quota: issue 13's check that a fleet
// stays inside the quota in steady state, survives a synchronized deploy,
// and degrades to bounded staleness, never to failed reads, when it
// outgrows the quota.
//
// Everything runs in virtual time, so an hour of fleet time takes seconds:
// the Loaders (vaultly.WithClock), the store's quota (ssmtest.WithQuota on
// ssmtest.WithClock) and the retries all read one clock, which moves only
// when every instance is asleep (sched.go). The instances are the real
// stack: vaultly.Loader over backends/retry over backends/ssm, whose SDK
// client talks to ssmtest in-process (ssmtest.Server.InProcessClient), or
// over backends/secretsmanager and smtest the same way
// (smtest.Server.InProcessClient, smtest.WithQuota on smtest.WithClock).
//
// The SDK's retryer sleeps in real time, which would make a run slow and
// its outcome depend on the machine. So the SDK client makes one attempt
// per call, and backends/retry, on the virtual clock and sleep (full
// jitter drawn from a seeded generator), retries instead: until an
// instance's first Load succeeds, within a startup budget of 10 minutes
// that outlasts a deploy's queue; after that not at once (a refresh that
// fails serves the value stale, and is tried again later). A Load that
// still fails is tried again by the application after a backoff of its
// own, as a supervisor restarting the process would. Every attempt is one
// request at the store, and every request the store refuses is counted as
// throttled.
//
// Run simulates one Scenario; Scenarios lists issue 13's; WriteTable
// prints results. The full set runs with
//
//	make fleet   # go run ./faulttest/fleet/cmd/fleet
//
// and a twentieth of it (the same share of the quota per instance) runs in
// go test. docs/performance.md ("Fleets and quotas") has the figures and the
// arithmetic they agree with.
package fleet
