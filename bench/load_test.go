package bench

import (
	"context"
	"testing"

	env "github.com/caarlos0/env/v11"
	"github.com/sethvargo/go-envconfig"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

// BenchmarkRow1Load fills Config100 (100 fields) with no I/O: vaultly over
// the mock backend (one GetBatch, templates rendered, text decoded),
// go-envconfig over a MapLookuper and caarlos0/env over an Environment
// map. The mock's own share of vaultly's figure is measured alone in
// "mock-batch", and vaultly over a plain map backend in "vaultly-map".
func BenchmarkRow1Load(b *testing.B) {
	ctx := context.Background()
	b.Run("vaultly", func(b *testing.B) {
		be := mock.New(storeValues())
		var cfg Config100
		b.ReportAllocs()
		for b.Loop() {
			be.ResetCalls() // the mock logs every call; keep the log from growing
			cfg = Config100{Stage: "prod"}
			if err := vaultly.LoadContext(ctx, &cfg, be); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		check100(b, "vaultly", cfg)
		b.ReportMetric(float64(be.Requests()), "requests/load")
	})
	b.Run("go-envconfig", func(b *testing.B) {
		look := envconfig.MapLookuper(envValues())
		var cfg Config100
		b.ReportAllocs()
		for b.Loop() {
			cfg = Config100{Stage: "prod"}
			if err := envconfig.ProcessWith(ctx, &envconfig.Config{Target: &cfg, Lookuper: look}); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		check100(b, "go-envconfig", cfg)
	})
	b.Run("caarlos0-env", func(b *testing.B) {
		opts := env.Options{Environment: envValues()}
		var cfg Config100
		b.ReportAllocs()
		for b.Loop() {
			cfg = Config100{Stage: "prod"}
			if err := env.ParseWithOptions(&cfg, opts); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		check100(b, "caarlos0/env", cfg)
	})
	b.Run("vaultly-map", func(b *testing.B) {
		// vaultly over a plain map backend: Load's own cost, without the
		// mock's call log.
		be := mapStore(storeValues())
		var cfg Config100
		b.ReportAllocs()
		for b.Loop() {
			cfg = Config100{Stage: "prod"}
			if err := vaultly.LoadContext(ctx, &cfg, be); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		check100(b, "vaultly over a map", cfg)
	})
	b.Run("mock-batch", func(b *testing.B) {
		// What the mock costs inside the vaultly figure: one GetBatch of
		// the 100 Refs, with the call log reset as above.
		be := mock.New(storeValues())
		refs := make([]vaultly.Ref, 0, 100)
		for path := range storeValues() {
			refs = append(refs, vaultly.Ref{Path: path})
		}
		b.ReportAllocs()
		for b.Loop() {
			be.ResetCalls()
			if _, err := be.GetBatch(ctx, refs); err != nil {
				b.Fatal(err)
			}
		}
	})
}
