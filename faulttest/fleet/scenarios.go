package fleet

import (
	"fmt"
	"io"
	"time"
)

// Scenarios returns the runs of issue 13, 100 secrets with ttl=5m against
// the default quota of 40 requests a second (burst 40):
//
//   - steady state: 1,000 instances started evenly over one TTL (so their
//     refreshes are spread as in a fleet that has run for a while), for
//     three TTLs more;
//
//   - synchronized deploy: 1,000 instances started in the same second,
//     for four TTLs;
//
//   - lockstep: a deploy that a higher quota absorbs at once, so that the
//     fleet's refreshes stay together unless TTL jitter spreads them
//     (with and without jitter, batched clients only);
//
//   - overloaded: 10,000 instances already running (loaded before the
//     run, Scenario.Running), starting to read evenly over an hour, for an
//     hour and ten minutes: more than the quota carries at ttl=5m. It is
//     simulated as 1,000 instances against 4 requests a second (burst
//     10): every instance gets the same share of the quota, so staleness
//     and failures are those of the full fleet, rates are a tenth and
//     the run takes a tenth of the time.
//
//   - the steady state and the synchronized deploy again against Secrets
//     Manager (Scenario.Store), the vaultly client only, at the same quota.
//
// Each for the three clients, with the library's default TTL jitter (off)
// unless the name says otherwise. The runs of a client that turns
// throttling into a retry storm stop after stormCap requests (the table
// says when).
// scale divides every fleet and quota once more (go test runs scale 20).
func Scenarios(scale int) []Scenario {
	const ttl = 5 * time.Minute
	var out []Scenario
	for _, c := range []Client{Reload, Vaultly, PerField} {
		capped := safetyCap / scale
		if c == PerField {
			capped = stormCap / scale
		}
		base := Scenario{Client: c, Secrets: 100, TTL: ttl, Quota: 40 / float64(scale),
			Burst: max(10, 40/scale), MaxRequests: capped, Seed: 13}

		steady := base
		steady.Name = "steady state"
		steady.Instances = 1000 / scale
		steady.ReadEvery = 10 * time.Second
		steady.StartWithin = ttl - steady.ReadEvery
		steady.Duration = 4 * ttl
		out = append(out, steady)

		deploy := base
		deploy.Name = "synchronized deploy"
		deploy.Instances = 1000 / scale
		deploy.StartWithin = time.Second
		deploy.Duration = 4 * ttl
		deploy.ReadEvery = 5 * time.Second
		out = append(out, deploy)

		if c != PerField {
			// A deploy the quota absorbs at once (the higher-throughput
			// setting), so the fleet refreshes in lockstep unless TTL
			// jitter spreads it: 1,000 instances at 1,000/s as 100 at
			// 100/s.
			lock := deploy
			lock.Name = "lockstep (1,000 at 1,000/s as 100 at 100/s)"
			lock.Instances = 100 / scale
			lock.Quota = 100 / float64(scale)
			lock.Burst = max(10, 100/scale)
			lock.Jitter = 0
			out = append(out, lock)
			lock.Jitter = 0.1
			out = append(out, lock)
		}

		over := base
		over.Name = "overloaded (10,000 at 40/s as 1,000 at 4/s)"
		over.Instances = 1000 / scale
		over.Quota = base.Quota / 10
		over.Burst = 10
		over.StartWithin = time.Hour
		over.Running = true
		over.Duration = time.Hour + 2*ttl
		over.ReadEvery = 30 * time.Second
		over.MaxRequests /= 10
		if c != PerField {
			// Every instance retries each value about once a TTL at
			// most (the backoff's cap): about 33 requests a second once
			// all run, 140,000 in the run.
			over.MaxRequests = overloadCap / scale
		}
		out = append(out, over)
	}
	// The steady state and the deploy against Secrets Manager at the same
	// quota: 5 BatchGetSecretValue calls of 20 ids a Load and a TTL, half
	// of SSM's 10. The library's client only, to keep make fleet under two
	// minutes (the reloading client's rows were the same in steady state),
	// and the deploy for two TTLs.
	for _, sc := range out {
		if sc.Client == Vaultly && (sc.Name == "steady state" || sc.Name == "synchronized deploy") {
			sc.Store = SecretsManager
			if sc.Name == "synchronized deploy" {
				sc.Duration = 2 * ttl // the deploy and the first renewals after it
			}
			out = append(out, sc)
		}
	}
	return out
}

// stormCap bounds the requests of a run that storms (about 200 µs each
// through the SDK on two cores); safetyCap bounds any run, should a
// change make the batched client storm too.
const (
	stormCap    = 20000
	safetyCap   = 120000
	overloadCap = 200000
)

// WriteTable writes results as a Markdown table.
func WriteTable(w io.Writer, scale int, rs []Result) {
	fmt.Fprintln(w, "| Scenario | Client | Instances, quota, TTL jitter | Requests/s mean, peak | Throttled | Failed reads | Stale serves, largest staleness | Failed Loads (reloads) | All loaded in | Simulated (wall) |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range rs {
		client := string(r.Client)
		if r.Store == SecretsManager {
			client += ", " + r.Store.String()
		}
		loaded := "not all: " + fmt.Sprint(r.Loaded)
		if r.AllLoadedIn >= 0 {
			loaded = r.AllLoadedIn.Round(time.Second).String()
		}
		sim := r.Simulated.Round(time.Second).String()
		if r.Stopped {
			sim = "stopped at " + sim + " (" + fmt.Sprint(r.MaxRequests) + " requests)"
		}
		fmt.Fprintf(w, "| %s | %s | %d, %g/s, %g | %.1f, %d | %d (%.0f%%) | %d of %d | %d, %s | %d (%d) | %s | %s (%s) |\n",
			r.Name, client, r.Instances, r.Quota, r.Jitter, r.MeanRPS, r.PeakRPS, r.Throttled, pct(r.Throttled, r.Requests),
			r.FailedReads, r.Reads, r.StaleServes, r.MaxStaleness.Round(time.Second), r.FailedLoads, r.FailedReloads, loaded,
			sim, r.Wall.Round(100*time.Millisecond))
	}
	if scale > 1 {
		fmt.Fprintf(w, "\nScaled down %dx: instances and quota divided by %d; multiply requests/s by %d for the full fleet.\n", scale, scale, scale)
	}
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}
