package retry

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

var sink string

// BenchmarkGet measures what the wrapper adds on the success path: one
// attempt context with the budget as deadline.
func BenchmarkGet(b *testing.B) {
	inner := backendkit.Func(func(context.Context, vaultly.Ref) (string, error) { return "v", nil })
	ctx := context.Background()
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink, _ = inner.Get(ctx, ref)
		}
	})
	b.Run("retry", func(b *testing.B) {
		r, err := New(inner)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			sink, _ = r.Get(ctx, ref)
		}
	})
}

// BenchmarkGetBatch measures a 100-Ref batch whose every tenth Ref fails
// once, transiently: two inner calls, the second for 10 Refs.
func BenchmarkGetBatch(b *testing.B) {
	refs := make([]vaultly.Ref, 100)
	found := map[string]string{}
	errs := map[string]error{}
	for i := range refs {
		p := fmt.Sprintf("/s/%d", i)
		refs[i] = vaultly.Ref{Path: p}
		if i%10 == 0 {
			errs[p] = transient(p)
		} else {
			found[p] = "v"
		}
	}
	all := map[string]string{}
	for i := range refs {
		all[refs[i].Path] = "v"
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		inner := &fakeBatch{script: []batchCall{{found: found, errs: errs}, {found: all}}}
		r, err := New(inner, WithSleep(func(context.Context, time.Duration) error { return nil }))
		if err != nil {
			b.Fatal(err)
		}
		vals, err := r.(vaultly.BatchBackend).GetBatch(ctx, refs)
		if err != nil || len(vals) != 100 {
			b.Fatalf("%d values, %v", len(vals), err)
		}
	}
}
