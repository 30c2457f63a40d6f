package bench

import (
	"context"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"gocloud.dev/runtimevar"
	"gocloud.dev/runtimevar/constantvar"

	"github.com/vaultly/vaultly"
)

const (
	memEntries  = 10_000
	memValueLen = 32 // bytes of each value: a size class, so it is counted exactly
)

// memPlanB is the plan's bytes per field, measured by the first run of
// the vaultly case: the plan outlives it, so later runs (-count) reuse it.
var memPlanB float64

// memValues returns memEntries paths and their values.
func memValues() ([]string, map[string]string) {
	paths := make([]string, memEntries)
	values := make(map[string]string, memEntries)
	for i := range paths {
		paths[i] = fmt.Sprintf("/mem/%05d", i)
		values[paths[i]] = fmt.Sprintf("%0*d", memValueLen, i)
	}
	return paths, values
}

// memStruct is a struct type of memEntries Secret[string] fields, field i
// reading paths[i].
func memStruct(paths []string) reflect.Type {
	fields := make([]reflect.StructField, len(paths))
	for i, p := range paths {
		fields[i] = reflect.StructField{
			Name: fmt.Sprintf("F%05d", i),
			Type: reflect.TypeFor[vaultly.Secret[string]](),
			Tag:  reflect.StructTag(`secret:"` + p + `"`),
		}
	}
	return reflect.StructOf(fields)
}

// liveBytes is the heap in use plus goroutine stacks, after two GCs.
func liveBytes() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc + m.StackInuse
}

// perEntry is the memory one cached secret costs beside its value.
func perEntry(before, after uint64) float64 {
	return float64(int64(after)-int64(before))/memEntries - memValueLen
}

// BenchmarkRow6Memory measures the heap (plus goroutine stacks) that
// 10,000 cached secrets of 32 bytes each cost beside the values
// themselves: vaultly's cache filled by one Load of a struct of 10,000
// Secret[string] fields under WithPrefetch (slot, entry, the Secret's
// binding and decoded snapshot, the rendered path); the hand-written
// sync.RWMutex + map cache of row 2; and 10,000 runtimevar Variables over
// constantvar, one per secret. The backend returns a fresh copy of each
// value, as a network backend does, and the value bytes are subtracted.
// The struct that holds the Secrets and vaultly's reflection plan of its
// type (kept for every later Load of the type, reported apart as
// plan-B/field) are allocated before the measurement.
func BenchmarkRow6Memory(b *testing.B) {
	ctx := context.Background()
	paths, values := memValues()
	store := cloneStore{m: values}

	b.Run("vaultly", func(b *testing.B) {
		typ := memStruct(paths)
		var entryB float64
		for b.Loop() {
			b.StopTimer()
			if memPlanB == 0 {
				// The first Load of the type computes its plan; the loader
				// and the struct are dropped, the plan stays.
				base := liveBytes()
				first := reflect.New(typ)
				if err := vaultly.LoadContext(ctx, first.Interface(), store, vaultly.WithPrefetch(true)); err != nil {
					b.Fatal(err)
				}
				first = reflect.Value{}
				memPlanB = float64(int64(liveBytes())-int64(base)) / memEntries
			}

			dst := reflect.New(typ)
			before := liveBytes()
			b.StartTimer()
			l, err := vaultly.New(store, vaultly.WithPrefetch(true))
			if err != nil {
				b.Fatal(err)
			}
			if err := l.Load(ctx, dst.Interface()); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			after := liveBytes()
			entryB = perEntry(before, after)
			last := dst.Elem().Field(memEntries - 1).Addr().Interface().(*vaultly.Secret[string])
			if v, err := last.Get(ctx); err != nil || v != values[paths[memEntries-1]] {
				b.Fatalf("Get = %q, %v", v, err)
			}
			runtime.KeepAlive(l)
			runtime.KeepAlive(dst)
			b.StartTimer()
		}
		b.ReportMetric(entryB, "B/entry-beside-value")
		b.ReportMetric(memPlanB, "plan-B/field")
	})

	b.Run("rwmutex-map", func(b *testing.B) {
		var entryB float64
		for b.Loop() {
			b.StopTimer()
			before := liveBytes()
			b.StartTimer()
			c := newRWCache(time.Hour, func(ctx context.Context, key string) (string, error) {
				return store.Get(ctx, vaultly.Ref{Path: key})
			})
			for _, p := range paths {
				if _, err := c.Get(ctx, p); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			after := liveBytes()
			entryB = perEntry(before, after)
			runtime.KeepAlive(c)
			b.StartTimer()
		}
		b.ReportMetric(entryB, "B/entry-beside-value")
	})

	b.Run("runtimevar", func(b *testing.B) {
		var entryB float64
		for b.Loop() {
			b.StopTimer()
			before := liveBytes()
			b.StartTimer()
			vars := make(map[string]*runtimevar.Variable, len(paths))
			for _, p := range paths {
				v := constantvar.New(strings.Clone(values[p]))
				if _, err := v.Latest(ctx); err != nil {
					b.Fatal(err)
				}
				vars[p] = v
			}
			b.StopTimer()
			after := liveBytes()
			entryB = perEntry(before, after)
			for _, v := range vars {
				v.Close()
			}
			b.StartTimer()
		}
		b.ReportMetric(entryB, "B/entry-beside-value")
	})
}
