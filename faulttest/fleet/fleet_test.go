package fleet

import (
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// TestFleet runs a twentieth of Scenarios (the same share of the quota
// per instance, rates a twentieth) for the batched clients on SSM, the
// steady state for one request per field and for vaultly on Secrets
// Manager, and checks the counts issue 13 asks for. To stay short it reads
// once a minute and ends the deploy soon after the fleet has loaded. make
// fleet runs the full set.
func TestFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("the fleet simulation takes several seconds")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	const scale = 20
	var results []Result
	smSteady := 0 // Secrets Manager steady-state runs
	for _, sc := range Scenarios(scale) {
		if sc.Client == PerField && sc.Name != "steady state" {
			continue
		}
		if sc.Store == SecretsManager && sc.Name != "steady state" {
			continue // one Secrets Manager run: make fleet runs the others
		}
		sc.ReadEvery = max(sc.ReadEvery, time.Minute)
		if strings.HasPrefix(sc.Name, "synchronized") {
			sc.Duration = 8 * time.Minute
		}
		r, err := Run(sc)
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, r)
		name := sc.Name + ", " + string(sc.Client)
		if sc.Store == SecretsManager {
			name += ", " + sc.Store.String()
			if sc.Name == "steady state" {
				smSteady++
			}
		}
		if sc.Jitter > 0 {
			name += ", jitter"
		}
		t.Run(name, func(t *testing.T) {
			check(t, r)
		})
	}
	if smSteady == 0 {
		t.Error("no steady state against Secrets Manager ran")
	}
	var b strings.Builder
	WriteTable(&b, scale, results)
	t.Log("\n" + b.String())
}

// check asserts what every run must show, and what each scenario of the
// batched client must show.
func check(t *testing.T, r Result) {
	t.Helper()
	if r.Reads == 0 && r.Client != PerField { // one request per field may load no instance before it stops
		t.Fatal("no reads: the instances never ran")
	}
	if r.FailedReads != 0 {
		t.Errorf("%d of %d reads failed; stale_on_error must serve the last good value", r.FailedReads, r.Reads)
	}
	if r.Client == PerField {
		// One GetParameter per Secret: 100 requests per instance per TTL,
		// ten times what the quota carries for this fleet. It must
		// throttle, and it must still never fail a read.
		if r.Throttled == 0 {
			t.Errorf("no request throttled: %d instances refreshing 100 fields one request each every %v fit %g requests/s?", r.Instances, r.TTL, r.Quota)
		}
		return
	}
	if r.Loaded != r.Instances && !strings.HasPrefix(r.Name, "overloaded") {
		t.Errorf("%d of %d instances loaded", r.Loaded, r.Instances)
	}
	// What the arithmetic says: 10 requests per instance per TTL on SSM,
	// 5 on Secrets Manager.
	perLoad := r.Store.PerLoad(r.Secrets)
	perTTL := float64(r.Instances*perLoad) / r.TTL.Seconds()
	switch {
	case strings.HasPrefix(r.Name, "steady"):
		if r.Stopped || r.Throttled != 0 || r.StaleServes != 0 || r.FailedLoads != 0 || r.FailedReloads != 0 {
			t.Errorf("stopped %v, throttled %d, stale serves %d, failed Loads %d (reloads %d); want none in steady state",
				r.Stopped, r.Throttled, r.StaleServes, r.FailedLoads, r.FailedReloads)
		}
		if r.MeanRPS > r.Quota || r.MeanRPS < 0.9*perTTL {
			t.Errorf("mean %.2f requests/s; want about %.2f (%d per instance per TTL), under the quota %g", r.MeanRPS, perTTL, perLoad, r.Quota)
		}
	case strings.HasPrefix(r.Name, "lockstep"):
		if r.FailedLoads != 0 || r.FailedReloads != 0 {
			t.Errorf("failed Loads %d (reloads %d); want none: the quota absorbs the deploy", r.FailedLoads, r.FailedReloads)
		}
	case strings.HasPrefix(r.Name, "synchronized"):
		// The deploy drains at the quota's pace: 10 (or 5) requests per
		// instance.
		least := time.Duration(float64(r.Instances*perLoad-r.Burst) / r.Quota * float64(time.Second))
		if r.AllLoadedIn < least || r.AllLoadedIn > 2*least {
			t.Errorf("all loaded in %v; want between %v (the quota's pace) and twice that", r.AllLoadedIn, least)
		}
		if r.FailedLoads != 0 {
			t.Errorf("%d Loads failed; the startup budget outlasts the deploy", r.FailedLoads)
		}
	case strings.HasPrefix(r.Name, "overloaded"):
		if r.Throttled == 0 || r.StaleServes == 0 {
			t.Errorf("throttled %d, stale serves %d: the fleet was meant to outgrow the quota", r.Throttled, r.StaleServes)
		}
		if r.MaxStaleness <= 0 || r.MaxStaleness > time.Hour {
			t.Errorf("largest staleness %v, want it bounded under an hour", r.MaxStaleness)
		}
	}
}
