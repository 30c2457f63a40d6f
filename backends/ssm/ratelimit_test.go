package ssm_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/ssm"
	"github.com/vaultly/vaultly/backends/ssm/ssmtest"
)

func TestWithRateLimitInvalid(t *testing.T) {
	t.Parallel()
	srv := ssmtest.NewServer(t)
	tests := []struct {
		rps   float64
		burst int
		want  string
	}{
		{0, 1, "WithRateLimit(0, 1)"},
		{-5, 1, "WithRateLimit(-5, 1)"},
		{math.NaN(), 1, "WithRateLimit(NaN, 1)"},
		{math.Inf(1), 1, "WithRateLimit(+Inf, 1)"},
		{40, 0, "WithRateLimit(40, 0)"},
		{40, -1, "WithRateLimit(40, -1)"},
	}
	for _, tt := range tests {
		b, err := ssm.New(ssm.WithClient(srv.Client()), ssm.WithRateLimit(tt.rps, tt.burst))
		if b != nil || !errors.Is(err, vaultly.ErrConfig) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(WithRateLimit(%v, %d)) = %v, %v; want ErrConfig naming %q", tt.rps, tt.burst, b, err, tt.want)
		}
	}
	if _, err := ssm.New(ssm.WithClient(srv.Client()), ssm.WithRateLimit(0.5, 1)); err != nil {
		t.Errorf("New(WithRateLimit(0.5, 1)) = %v", err)
	}
}

// Every API call takes one turn of the backend's limiter: GetParameter,
// each GetParameters chunk, each GetParametersByPath page. The limiter
// here allows a burst and then no call for 11 days, so a context with a
// deadline fails at once when its turn would come later.
func TestWithRateLimitTurns(t *testing.T) {
	t.Parallel()
	names := func(prefix string, n int) []vaultly.Ref {
		var refs []vaultly.Ref
		for i := range n {
			refs = append(refs, vaultly.Ref{Path: fmt.Sprintf("%s/k%02d", prefix, i)})
		}
		return refs
	}
	tests := []struct {
		name  string
		burst int
		call  func(ctx context.Context, b *ssm.Backend) error
		turns int // API calls the operation makes
	}{
		{name: "Get", burst: 1, turns: 1, call: func(ctx context.Context, b *ssm.Backend) error {
			_, err := b.Get(ctx, vaultly.Ref{Path: "/p/k00"})
			return err
		}},
		{name: "GetBatch of 25 names", burst: 3, turns: 3, call: func(ctx context.Context, b *ssm.Backend) error {
			_, err := b.GetBatch(ctx, names("/p", 25))
			return err
		}},
		{name: "GetPrefix of 25 entries", burst: 3, turns: 3, call: func(ctx context.Context, b *ssm.Backend) error {
			_, err := b.GetPrefix(ctx, "/p/", 10_000)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, srv := newBackend(t, ssm.WithRateLimit(1e-6, tt.burst))
			for _, ref := range names("/p", 25) {
				srv.Put(ref.Path, "v")
			}
			ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
			defer cancel()
			if err := tt.call(ctx, b); err != nil {
				t.Fatalf("first call, within the burst: %v", err)
			}
			if n := srv.TotalRequests(); n != tt.turns {
				t.Fatalf("%d requests, want %d", n, tt.turns)
			}
			err := tt.call(ctx, b)
			if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, vaultly.ErrTransient) || ctx.Err() != nil {
				t.Errorf("second call: %v (ctx %v); want context.DeadlineExceeded at once, no kind", err, ctx.Err())
			}
			var be *vaultly.BatchError
			if errors.As(err, &be) {
				for _, e := range be.Errs {
					err = e // one of them
				}
			}
			if err != nil && !strings.Contains(err.Error(), "WithRateLimit") {
				t.Errorf("error %q does not say it waited for WithRateLimit", err)
			}
			if n := srv.TotalRequests(); n != tt.turns {
				t.Errorf("%d requests after the refused call, want still %d", n, tt.turns)
			}
		})
	}
}

// One limiter per Backend: two Loads (as two Loaders would) share it;
// another Backend has its own.
func TestWithRateLimitSharedByLoads(t *testing.T) {
	t.Parallel()
	b, srv := newBackend(t, ssm.WithRateLimit(1e-6, 1))
	seedPlain(srv, 5)
	ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
	defer cancel()
	if err := vaultly.LoadContext(ctx, plainConfig(5).Interface(), b); err != nil {
		t.Fatal(err)
	}
	err := vaultly.LoadContext(ctx, plainConfig(5).Interface(), b)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second Load: %v; want context.DeadlineExceeded (the first used the only turn)", err)
	}
	// Another Backend has a limiter of its own.
	other, err := ssm.New(ssm.WithClient(srv.Client()), ssm.WithRateLimit(1e-6, 1))
	if err != nil {
		t.Fatal(err)
	}
	if err := vaultly.LoadContext(ctx, plainConfig(5).Interface(), other); err != nil {
		t.Errorf("Load with another Backend: %v", err)
	}
	if n := srv.TotalRequests(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

// A batch whose chunks cannot all get a turn returns what the others
// found, and the context's error for the rest.
func TestWithRateLimitBatchPartly(t *testing.T) {
	t.Parallel()
	b, srv := newBackend(t, ssm.WithRateLimit(1e-6, 1))
	var refs []vaultly.Ref
	for i := range 20 {
		ref := vaultly.Ref{Path: fmt.Sprintf("/p/k%02d", i)}
		srv.Put(ref.Path, "v")
		refs = append(refs, ref)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
	defer cancel()
	values, err := b.GetBatch(ctx, refs)
	var be *vaultly.BatchError
	if !errors.As(err, &be) {
		t.Fatalf("error %v, want a *vaultly.BatchError", err)
	}
	kinds := map[string]int{}
	for _, e := range be.Errs {
		switch {
		case errors.Is(e, context.DeadlineExceeded) && !errors.Is(e, vaultly.ErrTransient):
			kinds["deadline"]++
		default:
			kinds[e.Error()]++
		}
	}
	if diff := cmp.Diff(map[string]int{"deadline": 10}, kinds); diff != "" || len(values) != 10 {
		t.Errorf("%d values; errors (-want +got):\n%s", len(values), diff)
	}
	if n := srv.Requests(ssmtest.OpGetParameters); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// Cancelling the context while a call waits for its turn ends the wait.
func TestWithRateLimitCanceledWhileWaiting(t *testing.T) {
	t.Parallel()
	b, srv := newBackend(t, ssm.WithRateLimit(1e-6, 1))
	srv.Put("/a", "v")
	if _, err := b.Get(t.Context(), vaultly.Ref{Path: "/a"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := b.Get(ctx, vaultly.Ref{Path: "/a"})
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) || errors.Is(err, vaultly.ErrTransient) {
		t.Errorf("Get = %v; want context.Canceled without a kind", err)
	}
	if n := srv.TotalRequests(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}
