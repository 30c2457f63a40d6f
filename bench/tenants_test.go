package bench

import (
	"context"
	"runtime"
	"strconv"
	"testing"

	"github.com/vaultly/vaultly"
)

// BenchmarkTenants is the heap a Loader keeps after serving 100,000
// tenants, each loaded as its own struct with one Secret
// (/tenants/<tenant>/key, a 32-byte value) and then dropped, as a service
// that loads a tenant's secrets per request does; and the same with every
// struct kept. It reports the live heap per tenant after a GC (the
// structs, when kept, included), and again after InvalidateAll. Not part
// of cmd/compare: run it with
//
//	go test -run '^$' -bench Tenants -benchtime 1x
func BenchmarkTenants(b *testing.B) {
	const tenants = 100_000
	ctx := context.Background()
	values := make(map[string]string, tenants)
	for i := range tenants {
		values["/tenants/t"+strconv.Itoa(i)+"/key"] = "k-0123456789abcdef0123456789abcd"
	}
	store := mapStore(values) // keeps no call log
	type tenantCfg struct {
		Tenant string
		Key    vaultly.Secret[string] `secret:"/tenants/<tenant>/key"`
	}
	for _, tc := range []struct {
		name string
		keep bool
		opts []vaultly.Option
	}{
		{"dropped", false, nil},
		{"dropped, WithMaxEntries(1000)", false, []vaultly.Option{vaultly.WithMaxEntries(1000)}},
		{"kept", true, nil},
		{"kept, WithMaxEntries(1000)", true, []vaultly.Option{vaultly.WithMaxEntries(1000)}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				base := liveBytes()
				l, err := vaultly.New(store, tc.opts...)
				if err != nil {
					b.Fatal(err)
				}
				var kept []*tenantCfg
				b.StartTimer()
				for i := range tenants {
					cfg := &tenantCfg{Tenant: "t" + strconv.Itoa(i)}
					if err := l.Load(ctx, cfg); err != nil {
						b.Fatal(err)
					}
					if tc.keep {
						kept = append(kept, cfg)
					}
				}
				b.StopTimer()
				after := liveBytes()
				l.InvalidateAll()
				swept := liveBytes()
				b.ReportMetric(float64(int64(after)-int64(base))/tenants, "B/tenant-live")
				b.ReportMetric(float64(int64(swept)-int64(base))/tenants, "B/tenant-after-InvalidateAll")
				runtime.KeepAlive(kept)
				runtime.KeepAlive(l)
				b.StartTimer()
			}
		})
	}
}
