package ssm_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/ssm"
	"github.com/vaultly/vaultly/backends/ssm/ssmtest"
)

// benchLatency is the latency ssmtest adds to every request in the
// benchmarks, standing in for the round trip to the service.
const benchLatency = 20 * time.Millisecond

func benchServer(b *testing.B, n int) (*ssm.Backend, *ssmtest.Server) {
	b.Helper()
	srv := ssmtest.NewServer(b)
	seedPlain(srv, n)
	srv.Inject(ssmtest.Latency(benchLatency))
	be, err := ssm.New(ssm.WithClient(srv.Client()))
	if err != nil {
		b.Fatal(err)
	}
	return be, srv
}

// BenchmarkSSMLoad100 loads a 100-field config with vaultly.Load: one
// GetBatch, ten GetParameters calls in parallel. Compare ns/op with
// benchLatency (20 ms): the goal is under 3x.
func BenchmarkSSMLoad100(b *testing.B) {
	be, srv := benchServer(b, 100)
	cfg := plainConfig(100)
	ctx := b.Context()
	srv.ResetCounts()
	b.ResetTimer()
	for b.Loop() {
		if err := vaultly.LoadContext(ctx, cfg.Interface(), be); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if got := cfg.Elem().Field(99).String(); got != "value-099" {
		b.Fatalf("F099 = %q", got)
	}
	b.ReportMetric(float64(srv.TotalRequests())/float64(b.N), "requests/load")
	b.ReportMetric(float64(srv.MaxInFlight()), "max-in-flight")
}

// BenchmarkSSMSequential100 reads the same 100 parameters one GetParameter
// at a time, in sequence: the cost Load's batching avoids.
func BenchmarkSSMSequential100(b *testing.B) {
	be, srv := benchServer(b, 100)
	ctx := b.Context()
	refs := make([]vaultly.Ref, 100)
	for i := range refs {
		refs[i] = vaultly.Ref{Path: fmt.Sprintf("/bench/f%03d", i)}
	}
	srv.ResetCounts()
	b.ResetTimer()
	for b.Loop() {
		for _, ref := range refs {
			if _, err := be.Get(ctx, ref); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(srv.TotalRequests())/float64(b.N), "requests/load")
}

// BenchmarkSSMPrefix100 lists 100 parameters with GetPrefix: ten
// GetParametersByPath pages, one after another (each page needs the
// NextToken of the one before), so about ten times benchLatency.
func BenchmarkSSMPrefix100(b *testing.B) {
	be, srv := benchServer(b, 100)
	ctx := b.Context()
	srv.ResetCounts()
	b.ResetTimer()
	for b.Loop() {
		m, err := be.GetPrefix(ctx, "/bench/", 10_000)
		if err != nil || len(m) != 100 {
			b.Fatalf("GetPrefix = %d entries, %v", len(m), err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(srv.TotalRequests())/float64(b.N), "requests/load")
}
