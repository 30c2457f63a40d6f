package vaultly_test

import (
	"context"
	"reflect"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/backends/mock"
)

// BenchmarkSecretGetWarm is the hot path: a cached value with a finite
// TTL, so every read checks the clock. Compare with BenchmarkBaseline.
func BenchmarkSecretGetWarm(b *testing.B) {
	var cfg struct {
		S vaultly.Secret[string] `secret:"/k,ttl=1h"`
	}
	if err := vaultly.Load(&cfg, mock.New(map[string]string{"/k": "v"})); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	cfg.S.Get(ctx)
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cfg.S.Get(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := cfg.S.Get(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkBaseline is the floor a warm Get is measured against: one
// atomic.Pointer load and one time.Now.
func BenchmarkBaseline(b *testing.B) {
	type entry struct {
		v   string
		exp time.Time
	}
	var p atomic.Pointer[entry]
	p.Store(&entry{v: "v", exp: time.Now().Add(time.Hour)})
	var sink string
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			e := p.Load()
			if time.Now().Before(e.exp) {
				sink = e.v
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			var s string
			for pb.Next() {
				e := p.Load()
				if time.Now().Before(e.exp) {
					s = e.v
				}
			}
			_ = s
		})
	})
	_ = sink
}

// hundredFields builds a 100-field struct type (60 strings, 20 ints, 10
// bools, 10 durations, the last 40 in a nested struct) and the mock values
// for it.
func hundredFields() (reflect.Type, map[string]string) {
	values := map[string]string{}
	field := func(name string, t reflect.Type, path, val string) reflect.StructField {
		values[path] = val
		return reflect.StructField{Name: name, Type: t, Tag: reflect.StructTag(`secret:"` + path + `"`)}
	}
	var top, nested []reflect.StructField
	top = append(top, reflect.StructField{Name: "Stage", Type: reflect.TypeFor[string]()})
	for i := range 60 {
		top = append(top, field("S"+strconv.Itoa(i), reflect.TypeFor[string](), "/app/<stage>/s"+strconv.Itoa(i), "value-"+strconv.Itoa(i)))
	}
	for i := range 20 {
		nested = append(nested, field("I"+strconv.Itoa(i), reflect.TypeFor[int](), "/app/<stage>/i"+strconv.Itoa(i), strconv.Itoa(i*1000)))
	}
	for i := range 10 {
		nested = append(nested, field("B"+strconv.Itoa(i), reflect.TypeFor[bool](), "/app/<stage>/b"+strconv.Itoa(i), "true"))
	}
	for i := range 10 {
		nested = append(nested, field("D"+strconv.Itoa(i), reflect.TypeFor[time.Duration](), "/app/<stage>/d"+strconv.Itoa(i), "1m30s"))
	}
	top = append(top, reflect.StructField{Name: "Nested", Type: reflect.StructOf(nested)})
	rendered := make(map[string]string, len(values))
	for k, v := range values {
		rendered[replaceStage(k)] = v
	}
	return reflect.StructOf(top), rendered
}

func replaceStage(p string) string {
	const v = "<stage>"
	for i := 0; i+len(v) <= len(p); i++ {
		if p[i:i+len(v)] == v {
			return p[:i] + "prod" + p[i+len(v):]
		}
	}
	return p
}

// mapBackend is a batch backend over a map with no bookkeeping, so that
// BenchmarkLoad measures vaultly rather than the mock's call log.
type mapBackend map[string]string

func (m mapBackend) Get(_ context.Context, ref vaultly.Ref) (string, error) {
	if v, ok := m[ref.Path]; ok {
		return v, nil
	}
	return "", backendkit.NewError("map", vaultly.ErrNotFound, ref, nil)
}

func (m mapBackend) GetBatch(_ context.Context, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	out := make(map[vaultly.Ref]string, len(refs))
	for _, r := range refs {
		if v, ok := m[r.Path]; ok {
			out[r] = v
		}
	}
	return out, nil
}

// BenchmarkLoad fills the 100-field struct in one batch from a map. The
// reflection plan is built once, before the timer. The mock sub-benchmark
// is the same over backends/mock, which also records every call.
func BenchmarkLoad(b *testing.B) {
	typ, values := hundredFields()
	b.Run("map", func(b *testing.B) { benchLoad(b, typ, mapBackend(values)) })
	b.Run("mock", func(b *testing.B) { benchLoad(b, typ, mock.New(values)) })
}

func benchLoad(b *testing.B, typ reflect.Type, backend vaultly.Backend) {
	ctx := context.Background()
	newDst := func() any {
		v := reflect.New(typ)
		v.Elem().Field(0).SetString("prod")
		return v.Interface()
	}
	if err := vaultly.LoadContext(ctx, newDst(), backend); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := vaultly.LoadContext(ctx, newDst(), backend); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSecretGetRefreshAhead is a warm Get in the refresh-ahead window
// while the background refresh is in flight (the store holds it): every
// read finds the refresh running and must not contend for the slot.
func BenchmarkSecretGetRefreshAhead(b *testing.B) {
	var now atomic.Int64 // a clock without a lock, unlike mock.Clock
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return base.Add(time.Duration(now.Load())) }
	m := mock.New(map[string]string{"/k": "v"})
	l, err := vaultly.New(m, vaultly.WithClock(clock), vaultly.WithRefreshAhead(0.5))
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	var cfg struct {
		S vaultly.Secret[string] `secret:"/k,ttl=1h"`
	}
	ctx := context.Background()
	if err := l.Load(ctx, &cfg); err != nil {
		b.Fatal(err)
	}
	release := m.Hold("/k")
	defer release()
	now.Store(int64(40 * time.Minute))        // past 0.5 of the TTL, not expired
	if _, err := cfg.S.Get(ctx); err != nil { // starts the refresh, held
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := cfg.S.Get(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
