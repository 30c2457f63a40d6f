package main

import (
	"bytes"
	"encoding/json"
	"expvar"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRun plays the scenario and checks every counter, the expvar JSON and
// that no secret reaches the output.
func TestRun(t *testing.T) {
	t.Parallel()
	m := newMetrics()
	var out bytes.Buffer
	if err := run(t.Context(), &out, m); err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out.String())
	}

	want := map[string]int64{
		"fetches.ok":        6, // Load, 2 first reads, throttled-then-retried, after re-login, after recovery
		"fetches.transient": 1, // the sealed Vault, once: then the retry interval
		"cache_hits":        2,
		"cache_misses":      6,
		"stale_serves":      3,
		"retries":           3, // 1 for the throttling, 2 during the outage (3 attempts)
		"reauths.ok":        2, // the first login and one re-login
	}
	if diff := cmp.Diff(want, flatten(m.root, "")); diff != "" {
		t.Errorf("counters (-want +got):\n%s\noutput:\n%s", diff, out.String())
	}

	var published map[string]any
	if err := json.Unmarshal([]byte(m.root.String()), &published); err != nil {
		t.Errorf("expvar output is not JSON: %v", err)
	}
	got := out.String()
	for _, line := range []string{
		"expired token (1 re-login)",
		`msg="vaultly: backend unavailable, serving last good value" field=Config.DBPassword`,
		`expvar vaultly = {"cache_hits": 2`,
	} {
		if !strings.Contains(got, line) {
			t.Errorf("output lacks %q\noutput:\n%s", line, got)
		}
	}
	for _, secret := range []string{"svc_orders", "example-db-password-1", "example-api-key-1", "example-secret-id"} {
		if strings.Contains(got, secret) {
			t.Errorf("output contains the secret %q", secret)
		}
	}
}

// flatten lists every Int below mp as "key" or "map.key".
func flatten(mp *expvar.Map, prefix string) map[string]int64 {
	out := map[string]int64{}
	mp.Do(func(kv expvar.KeyValue) {
		switch v := kv.Value.(type) {
		case *expvar.Int:
			out[prefix+kv.Key] = v.Value()
		case *expvar.Map:
			for k, n := range flatten(v, prefix+kv.Key+".") {
				out[k] = n
			}
		}
	})
	return out
}
