package ssm_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/ssm/ssmtest"
)

// The counts docs/ssm.md states: a Load of n distinct names makes
// ceil(n/10) GetParameters requests, at most 10 (WithBatchConcurrency) in
// flight at once. So up to 10 names are one request, up to 100 names one
// round of parallel requests, and more names take more rounds.
func TestLoadRequestCounts(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ names, requests int }{
		{1, 1}, {10, 1}, {11, 2}, {25, 3}, {100, 10}, {101, 11}, {250, 25},
	} {
		t.Run(fmt.Sprint(tt.names), func(t *testing.T) {
			t.Parallel()
			b, srv := newBackend(t)
			seedPlain(srv, tt.names)
			cfg := plainConfig(tt.names)
			if err := vaultly.LoadContext(t.Context(), cfg.Interface(), b); err != nil {
				t.Fatal(err)
			}
			if n := srv.Requests(ssmtest.OpGetParameters); n != tt.requests {
				t.Errorf("%d GetParameters requests, want %d", n, tt.requests)
			}
			if n := srv.MaxInFlight(); n > 10 {
				t.Errorf("%d requests in flight at once, want at most 10", n)
			}
		})
	}

	// 100 names: all ten requests are in flight together (one round).
	t.Run("100 in one round", func(t *testing.T) {
		t.Parallel()
		b, srv := newBackend(t)
		seedPlain(srv, 100)
		srv.Inject(ssmtest.Latency(time.Hour)) // ends when the Load is cancelled
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- vaultly.LoadContext(ctx, plainConfig(100).Interface(), b) }()
		if err := srv.WaitRequests(t.Context(), ssmtest.OpGetParameters, 10); err != nil {
			t.Fatal(err)
		}
		cancel()
		<-done
	})
}
