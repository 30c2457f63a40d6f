package bench

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

// BenchmarkTenantsExpiredRead is the read that finds its entry expired, in a
// Loader serving N tenants loaded one by one (spread over 3 minutes, ttl=1m):
// a refresh together looks at the entries of the read's own Load only, so
// the cost does not grow with N. Not part of cmd/compare:
//
//	go test -run '^$' -bench TenantsExpiredRead -benchtime 2000x
func BenchmarkTenantsExpiredRead(b *testing.B) {
	for _, tenants := range []int{100, 10_000, 100_000} {
		b.Run(strconv.Itoa(tenants), func(b *testing.B) {
			ctx := context.Background()
			values := make(map[string]string, tenants)
			for i := range tenants {
				values["/tenants/t"+strconv.Itoa(i)+"/key"] = "v"
			}
			store := mock.New(values)
			var now atomic.Int64
			now.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
			l, err := vaultly.New(store, vaultly.WithClock(func() time.Time { return time.Unix(0, now.Load()) }))
			if err != nil {
				b.Fatal(err)
			}
			type cfg struct {
				Tenant string
				Key    vaultly.Secret[string] `secret:"/tenants/<tenant>/key,ttl=1m"`
			}
			cfgs := make([]*cfg, tenants)
			for i := range tenants {
				c := &cfg{Tenant: "t" + strconv.Itoa(i)}
				if err := l.Load(ctx, c); err != nil {
					b.Fatal(err)
				}
				cfgs[i] = c
				now.Add(int64(time.Minute) * 3 / int64(tenants)) // spread over 3 minutes
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// Past the TTL each time, so every read finds its entry
				// expired, whatever the number of tenants (1/1000 of a
				// minute left most reads of 100 tenants warm).
				now.Add(int64(time.Minute + time.Second))
				if _, err := cfgs[i%tenants].Key.Get(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
