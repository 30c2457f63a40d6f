package chain

import (
	"context"
	"fmt"
	"testing"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

// BenchmarkGetBatch: 100 Refs, half of them in the first backend; the
// second is asked for the other 50, as a batch or as concurrent Gets.
func BenchmarkGetBatch(b *testing.B) {
	refs := make([]vaultly.Ref, 100)
	first, second := map[string]string{}, map[string]string{}
	for i := range refs {
		p := fmt.Sprintf("/s/%d", i)
		refs[i] = vaultly.Ref{Path: p}
		if i%2 == 0 {
			first[p] = "v"
		} else {
			second[p] = "v"
		}
	}
	for _, plain := range []bool{false, true} {
		b.Run(fmt.Sprintf("plain=%v", plain), func(b *testing.B) {
			var m1, m2 vaultly.Backend = mock.New(first), mock.New(second)
			if plain {
				m1, m2 = m1.(*mock.Backend).Plain(), m2.(*mock.Backend).Plain()
			}
			c, err := New([]vaultly.Backend{m1, m2})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				vals, err := c.GetBatch(ctx, refs)
				if err != nil || len(vals) != 100 {
					b.Fatalf("%d values, %v", len(vals), err)
				}
			}
		})
	}
}
