package ssm_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/retry"
	"github.com/vaultly/vaultly/backends/ssm/ssmtest"
)

// The retry backend's budget wraps the SDK's own attempts: each retry.Get
// attempt is one backend call of up to three SDK attempts.
func TestUnderRetryBackend(t *testing.T) {
	t.Parallel()
	t.Run("attempts multiply", func(t *testing.T) {
		t.Parallel()
		b, srv := newBackend(t)
		srv.Put("/a", "v")
		srv.Inject(ssmtest.InternalError())
		rb, err := retry.New(b, retry.MaxAttempts(2), retry.BaseDelay(time.Millisecond), retry.MaxDelay(time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		_, err = rb.Get(t.Context(), vaultly.Ref{Path: "/a"})
		if !errors.Is(err, vaultly.ErrTransient) {
			t.Errorf("error %v, want ErrTransient", err)
		}
		if n := srv.Requests(ssmtest.OpGetParameter); n != 6 {
			t.Errorf("%d requests, want 6 (2 retry attempts x 3 SDK attempts)", n)
		}
	})
	t.Run("budget ends a hung call as transient", func(t *testing.T) {
		t.Parallel()
		b, srv := newBackend(t)
		srv.Put("/a", "v")
		srv.Inject(ssmtest.Latency(time.Hour))
		rb, err := retry.New(b, retry.TotalTimeout(50*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		_, err = rb.Get(t.Context(), vaultly.Ref{Path: "/a"})
		if !errors.Is(err, vaultly.ErrTransient) || errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want ErrTransient (the caller's context is fine)", err)
		}
		t.Logf("error: %v", err)
	})
}
