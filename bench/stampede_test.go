package bench

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

// readers is how many goroutines read one cold secret at once in row 5.
const readers = 1000

// stampede starts readers goroutines parked on one gate, opens it and
// returns the longest any of them waited for its value, from the gate
// opening to its read returning.
func stampede(b *testing.B, read func() error) time.Duration {
	b.Helper()
	gate := make(chan struct{})
	waits := make([]time.Duration, readers)
	errs := make([]error, readers)
	var ready, done sync.WaitGroup
	ready.Add(readers)
	done.Add(readers)
	var start time.Time
	for i := range readers {
		go func() {
			defer done.Done()
			ready.Done()
			<-gate
			errs[i] = read()
			waits[i] = time.Since(start)
		}()
	}
	ready.Wait()
	start = time.Now()
	close(gate)
	done.Wait()
	var slowest time.Duration
	for i, w := range waits {
		if errs[i] != nil {
			b.Fatal(errs[i])
		}
		slowest = max(slowest, w)
	}
	return slowest
}

// BenchmarkRow5Stampede has 1,000 goroutines read one cold secret at the
// same moment, over the mock backend with storeLatency per call: vaultly's
// Secret[string].Get (single flight per Ref), and the hand-written
// sync.RWMutex + map cache of row 2, which every reader that finds the key
// missing fills itself. It reports the backend calls per stampede and the
// slowest reader's wait, averaged over the stampedes run.
func BenchmarkRow5Stampede(b *testing.B) {
	ctx := context.Background()
	values := map[string]string{"/hot/key": "value"}

	b.Run("vaultly", func(b *testing.B) {
		be := mock.New(values, mock.WithLatency(storeLatency))
		var calls int
		var slowest time.Duration
		for b.Loop() {
			var cfg struct {
				Key vaultly.Secret[string] `secret:"/hot/key,ttl=1h"`
			}
			// Lazy, so that the secret is cold when the readers arrive.
			if err := vaultly.LoadContext(ctx, &cfg, be, vaultly.WithPrefetch(false)); err != nil {
				b.Fatal(err)
			}
			be.ResetCalls()
			slowest += stampede(b, func() error {
				_, err := cfg.Key.Get(ctx)
				return err
			})
			calls += be.Requests()
		}
		b.ReportMetric(float64(calls)/float64(b.N), "backend-calls/op")
		b.ReportMetric(float64(slowest.Microseconds())/1e3/float64(b.N), "slowest-wait-ms")
	})

	b.Run("rwmutex-map", func(b *testing.B) {
		be := mock.New(values, mock.WithLatency(storeLatency))
		var calls int
		var slowest time.Duration
		for b.Loop() {
			c := newRWCache(time.Hour, func(ctx context.Context, key string) (string, error) {
				return be.Get(ctx, vaultly.Ref{Path: key})
			})
			be.ResetCalls()
			slowest += stampede(b, func() error {
				_, err := c.Get(ctx, "/hot/key")
				return err
			})
			calls += be.Requests()
		}
		b.ReportMetric(float64(calls)/float64(b.N), "backend-calls/op")
		b.ReportMetric(float64(slowest.Microseconds())/1e3/float64(b.N), "slowest-wait-ms")
	})
}
