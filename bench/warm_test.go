package bench

import (
	"context"
	"testing"
	"time"

	"gocloud.dev/runtimevar/constantvar"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

// BenchmarkRow2Warm reads one cached value, serially and from every P at
// once: vaultly's Secret[string].Get (ttl=1h, so each read checks the
// clock), gocloud runtimevar's Variable.Latest over the constantvar driver,
// a hand-written sync.RWMutex + map cache with expiry, and the floor, an
// atomic.Pointer load plus time.Now. Each loop calls its read directly, so
// no indirect call is added to any of them.
func BenchmarkRow2Warm(b *testing.B) {
	ctx := context.Background()
	const want = "value"

	var cfg struct {
		Key vaultly.Secret[string] `secret:"/svc/key,ttl=1h"`
	}
	if err := vaultly.Load(&cfg, mock.New(map[string]string{"/svc/key": want})); err != nil {
		b.Fatal(err)
	}
	b.Run("vaultly/serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if v, err := cfg.Key.Get(ctx); err != nil || v != want {
				b.Fatalf("Get = %q, %v", v, err)
			}
		}
	})
	b.Run("vaultly/parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if v, err := cfg.Key.Get(ctx); err != nil || v != want {
					b.Errorf("Get = %q, %v", v, err)
					return
				}
			}
		})
	})

	rv := constantvar.New(want)
	defer rv.Close()
	b.Run("runtimevar/serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if s, err := rv.Latest(ctx); err != nil || s.Value.(string) != want {
				b.Fatalf("Latest = %v, %v", s.Value, err)
			}
		}
	})
	b.Run("runtimevar/parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if s, err := rv.Latest(ctx); err != nil || s.Value.(string) != want {
					b.Errorf("Latest = %v, %v", s.Value, err)
					return
				}
			}
		})
	})

	rw := newRWCache(time.Hour, func(context.Context, string) (string, error) { return want, nil })
	b.Run("rwmutex-map/serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if v, err := rw.Get(ctx, "/svc/key"); err != nil || v != want {
				b.Fatalf("Get = %q, %v", v, err)
			}
		}
	})
	b.Run("rwmutex-map/parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if v, err := rw.Get(ctx, "/svc/key"); err != nil || v != want {
					b.Errorf("Get = %q, %v", v, err)
					return
				}
			}
		})
	})

	var fl floor
	fl.p.Store(&rwEntry{val: want, exp: time.Now().Add(time.Hour)})
	b.Run("floor/serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if v, ok := fl.Get(); !ok || v != want {
				b.Fatal("floor read failed")
			}
		}
	})
	b.Run("floor/parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if v, ok := fl.Get(); !ok || v != want {
					b.Error("floor read failed")
					return
				}
			}
		})
	})
}
