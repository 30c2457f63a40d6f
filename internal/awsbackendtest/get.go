package awsbackendtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

// ReadTimeout is the read timeout of the tests that time out: the SDK's
// read timeout starts when the connection is dialled, so one shorter than
// the time to write a request on a loaded machine fails the write ("use
// of closed network connection") before the request reaches the server.
const ReadTimeout = 250 * time.Millisecond

// RunGetReadTimeoutIsTransient checks that a Get whose answer never comes
// times out on the client's read timeout, is retried by the SDK (3
// attempts) and fails as ErrTransient carrying the timeout.
func RunGetReadTimeoutIsTransient(t *testing.T, h Harness) {
	f := h.NewFake(t)
	h.Put(f, h.Path, "v")
	h.Latency(f, time.Hour) // ends when the client hangs up
	b := h.mustNew(t, Options{Client: f, ReadTimeout: ReadTimeout})
	_, err := b.Get(t.Context(), vaultly.Ref{Path: h.Path})
	if k := KindName(err); k != "transient" {
		t.Fatalf("error %v: kind %s, want transient", err, k)
	}
	var te interface{ Timeout() bool }
	if !errors.As(err, &te) || !te.Timeout() {
		t.Errorf("error %v carries no timeout", err)
	}
	if n := f.Requests(h.GetOp); n != 3 {
		t.Errorf("%d requests, want 3: %v", n, err)
	}
}

// RunGetCallerContext checks that a Get ends with the caller's context:
// cancelled while its request waits (not retried), or past its deadline
// before it starts; the error matches the context's and no kind.
func RunGetCallerContext(t *testing.T, h Harness) {
	t.Run("canceled while waiting", func(t *testing.T) {
		t.Parallel()
		f := h.NewFake(t)
		b := h.mustNew(t, Options{Client: f})
		h.Put(f, h.Path, "v")
		h.Latency(f, time.Hour)
		ctx, cancel := context.WithCancel(t.Context())
		errc := make(chan error, 1)
		go func() {
			_, err := b.Get(ctx, vaultly.Ref{Path: h.Path})
			errc <- err
		}()
		if err := f.WaitRequests(t.Context(), h.GetOp, 1); err != nil {
			t.Fatal(err)
		}
		cancel()
		err := <-errc
		if k := vaultly.KindOf(err); !errors.Is(err, context.Canceled) || errors.Is(err, vaultly.ErrTransient) || k != "canceled" {
			t.Errorf("error %v (kind %s): want context.Canceled and no kind", err, k)
		}
		if n := f.Requests(h.GetOp); n != 1 {
			t.Errorf("%d requests, want 1 (a cancelled call is not retried)", n)
		}
	})
	t.Run("deadline already passed", func(t *testing.T) {
		t.Parallel()
		f := h.NewFake(t)
		b := h.mustNew(t, Options{Client: f})
		h.Put(f, h.Path, "v")
		ctx, cancel := context.WithDeadline(t.Context(), time.Unix(0, 0))
		defer cancel()
		_, err := b.Get(ctx, vaultly.Ref{Path: h.Path})
		if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, vaultly.ErrTransient) {
			t.Errorf("error %v: want context.DeadlineExceeded and not ErrTransient", err)
		}
	})
}

// RunGetConnectionRefusedIsTransient checks that a Get of a server that
// no longer listens is ErrTransient.
func RunGetConnectionRefusedIsTransient(t *testing.T, h Harness) {
	f := h.NewFake(t)
	b := h.mustNew(t, Options{Client: f})
	f.Close() // nothing listens on the port any more
	_, err := b.Get(t.Context(), vaultly.Ref{Path: h.Path})
	if k := KindName(err); k != "transient" {
		t.Errorf("error %v: kind %s, want transient", err, k)
	}
}

// RunGetBatchEmptyAndInvalidRefs checks that an empty batch is no request
// and no error, and that a Ref with an empty path fails alone (ErrConfig)
// while the others are read, in one request.
func RunGetBatchEmptyAndInvalidRefs(t *testing.T, h Harness) {
	f := h.NewFake(t)
	b := h.mustNew(t, Options{Client: f})
	h.Put(f, h.Path, "A")
	got, err := b.GetBatch(t.Context(), nil)
	if err != nil || len(got) != 0 {
		t.Errorf("empty batch: %v, %v", got, err)
	}
	got, err = b.GetBatch(t.Context(), []vaultly.Ref{{Path: h.Path}, {Path: ""}})
	if diff := cmp.Diff(map[vaultly.Ref]string{{Path: h.Path}: "A"}, got); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	if _, err := backendkit.BatchResult(vaultly.Ref{}, got, err); !errors.Is(err, vaultly.ErrConfig) {
		t.Errorf("empty path: %v, want ErrConfig", err)
	}
	if n := f.TotalRequests(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}
