package secretsmanager_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/secretsmanager"
	"github.com/vaultly/vaultly/backends/secretsmanager/smtest"
)

// WithRateLimit: every API call takes a token of the backend's one
// limiter; a call whose context's deadline comes before its turn fails at
// once, as the caller's cancellation, without a request.
func TestWithRateLimit(t *testing.T) {
	t.Parallel()
	// Three tokens, then the next in 10^6 s.
	b, srv := newBackend(t, secretsmanager.WithRateLimit(1e-6, 3))
	var refs []vaultly.Ref
	for i := range 30 {
		name := fmt.Sprintf("r/%02d", i)
		srv.Put(name, "v")
		refs = append(refs, vaultly.Ref{Path: name})
	}
	if _, err := b.Get(t.Context(), refs[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := b.GetBatch(t.Context(), refs); err != nil { // two calls of 20 and 10
		t.Fatal(err)
	}
	if n := srv.TotalRequests(); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}

	ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
	defer cancel()
	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, context.DeadlineExceeded) || vaultly.KindOf(err) != "canceled" {
			t.Errorf("%s: %v (kind %s), want context.DeadlineExceeded and no kind", what, err, vaultly.KindOf(err))
		}
	}
	_, err := b.Get(ctx, refs[0])
	check("Get", err)
	_, err = b.GetBatch(ctx, refs[:2])
	var be *vaultly.BatchError
	if errors.As(err, &be) {
		for ref, e := range be.Errs {
			check("GetBatch "+ref.Path, e)
		}
	} else {
		check("GetBatch", err)
	}
	_, err = b.GetPrefix(ctx, "r/", 100)
	check("GetPrefix", err)
	if ctx.Err() != nil {
		t.Error("the waits did not fail at once")
	}
	if n := srv.TotalRequests(); n != 3 {
		t.Errorf("%d requests, want 3: no call past the limit", n)
	}

	canceled, cancel2 := context.WithCancel(t.Context())
	cancel2()
	if _, err := b.Get(canceled, refs[0]); !errors.Is(err, context.Canceled) || vaultly.KindOf(err) != "canceled" {
		t.Errorf("canceled: %v", err)
	}
}

// The SDK's retries of a call do not take tokens: a throttled call that
// the SDK retries costs one token.
func TestWithRateLimitRetries(t *testing.T) {
	t.Parallel()
	b, srv := newBackend(t, secretsmanager.WithRateLimit(1e-6, 1))
	srv.Put("a", "A")
	srv.Inject(smtest.Throttling().Times(2))
	if v, err := b.Get(t.Context(), vaultly.Ref{Path: "a"}); err != nil || v != "A" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	if n := srv.Requests(smtest.OpGetSecretValue); n != 3 {
		t.Errorf("%d requests, want 3 (two throttled, retried by the SDK)", n)
	}
}
