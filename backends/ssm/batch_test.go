package ssm_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/google/go-cmp/cmp"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/backends/ssm"
	"github.com/vaultly/vaultly/backends/ssm/ssmtest"
)

func TestGetBatch(t *testing.T) {
	t.Parallel()
	b, srv := newBackend(t)
	var refs []vaultly.Ref
	want := map[vaultly.Ref]string{}
	for i := range 22 {
		name := fmt.Sprintf("/app/k%02d", i)
		srv.Put(name, fmt.Sprintf("v%02d", i))
		refs = append(refs, vaultly.Ref{Path: name})
		want[vaultly.Ref{Path: name}] = fmt.Sprintf("v%02d", i)
	}
	srv.Put("/app/k00", "v00-new") // version 2 of /app/k00
	want[vaultly.Ref{Path: "/app/k00"}] = "v00-new"
	if err := srv.LabelVersion("/app/k00", 1, "stable"); err != nil {
		t.Fatal(err)
	}
	srv.PutStringList("/app/list", "x", "y")
	srv.PutSecure("/app/secure", "s")
	extra := map[vaultly.Ref]string{
		{Path: "/app/k00", Version: "1"}:      "v00",
		{Path: "/app/k00", Version: "2"}:      "v00-new",
		{Path: "/app/k00", Version: "stable"}: "v00",
		{Path: "/app/list"}:                   "x,y",
		{Path: "/app/secure"}:                 "s",
	}
	for ref, v := range extra {
		refs = append(refs, ref)
		want[ref] = v
	}
	missing := []vaultly.Ref{{Path: "/app/nope"}, {Path: "/app/k01", Version: "7"}, {Path: "/app/k01", Version: "nolabel"}}
	refs = append(refs, missing...)
	refs = append(refs, refs[3], refs[4], missing[0]) // duplicates

	got, err := b.GetBatch(t.Context(), refs)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	for _, ref := range missing {
		if _, err := backendkit.BatchResult(ref, got, err); !errors.Is(err, vaultly.ErrNotFound) {
			t.Errorf("%v: %v, want ErrNotFound", ref, err)
		}
	}
	// 30 distinct names: 3 calls of at most 10, no name asked twice.
	calls := srv.Calls()
	if len(calls) != 3 {
		t.Fatalf("%d calls, want 3: %v", len(calls), calls)
	}
	asked := map[string]int{}
	for _, c := range calls {
		if c.Op != ssmtest.OpGetParameters || len(c.Names) > 10 {
			t.Errorf("call %s with %d names", c.Op, len(c.Names))
		}
		for _, n := range c.Names {
			asked[n]++
		}
	}
	for n, k := range asked {
		if k != 1 {
			t.Errorf("%s asked %d times", n, k)
		}
	}
	if len(asked) != 30 {
		t.Errorf("%d distinct names asked, want 30", len(asked))
	}
}

func TestGetBatchEmptyAndInvalidRefs(t *testing.T) {
	t.Parallel()
	b, srv := newBackend(t)
	srv.Put("/a", "A")
	got, err := b.GetBatch(t.Context(), nil)
	if err != nil || len(got) != 0 {
		t.Errorf("empty batch: %v, %v", got, err)
	}
	got, err = b.GetBatch(t.Context(), []vaultly.Ref{{Path: "/a"}, {Path: ""}})
	if diff := cmp.Diff(map[vaultly.Ref]string{{Path: "/a"}: "A"}, got); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	if _, err := backendkit.BatchResult(vaultly.Ref{}, got, err); !errors.Is(err, vaultly.ErrConfig) {
		t.Errorf("empty path: %v, want ErrConfig", err)
	}
	if n := srv.TotalRequests(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestGetBatchChunkFailure(t *testing.T) {
	t.Parallel()
	b, srv := newBackend(t)
	var refs []vaultly.Ref
	for i := range 25 {
		name := fmt.Sprintf("/p/%02d", i)
		srv.Put(name, "v"+name)
		refs = append(refs, vaultly.Ref{Path: name})
	}
	// /p/12 is in the second chunk (names 10 to 19): that whole call is refused.
	srv.Inject(ssmtest.AccessDenied(), "/p/12")
	got, err := b.GetBatch(t.Context(), refs)
	var be *vaultly.BatchError
	if !errors.As(err, &be) {
		t.Fatalf("error %v, want *vaultly.BatchError", err)
	}
	for i, ref := range refs {
		v, err := backendkit.BatchResult(ref, got, err)
		inFailed := i >= 10 && i < 20
		switch {
		case inFailed && !errors.Is(err, vaultly.ErrAuth):
			t.Errorf("%v: %v, want ErrAuth", ref, err)
		case inFailed && !errors.As(err, new(*types.AccessDeniedException)):
			t.Errorf("%v: %v does not carry the SDK error", ref, err)
		case !inFailed && (err != nil || v != "v"+ref.Path):
			t.Errorf("%v: %q, %v; want its value", ref, v, err)
		}
	}
	if len(be.Errs) != 10 {
		t.Errorf("%d failed refs, want 10", len(be.Errs))
	}
}

func TestGetBatchConcurrency(t *testing.T) {
	t.Parallel()
	refs := make([]vaultly.Ref, 60) // 6 calls
	for i := range refs {
		refs[i] = vaultly.Ref{Path: fmt.Sprintf("/c/%02d", i)}
	}

	t.Run("all chunks in flight at once", func(t *testing.T) {
		t.Parallel()
		b, srv := newBackend(t)
		srv.Inject(ssmtest.Latency(time.Hour))
		ctx, cancel := context.WithCancel(t.Context())
		errc := make(chan error, 1)
		go func() {
			_, err := b.GetBatch(ctx, refs)
			errc <- err
		}()
		// All six arrive while none has been answered.
		if err := srv.WaitRequests(t.Context(), ssmtest.OpGetParameters, 6); err != nil {
			t.Fatal(err)
		}
		cancel()
		err := <-errc
		if !errors.Is(err, context.Canceled) || errors.Is(err, vaultly.ErrTransient) {
			t.Errorf("error %v: want context.Canceled and not ErrTransient", err)
		}
		var be *vaultly.BatchError
		if errors.As(err, &be) {
			t.Errorf("a cancelled batch returned a *BatchError: %v", err)
		}
	})

	t.Run("bounded", func(t *testing.T) {
		t.Parallel()
		b, srv := newBackend(t, ssm.WithBatchConcurrency(2))
		srv.Inject(ssmtest.Latency(2 * time.Millisecond))
		if _, err := b.GetBatch(t.Context(), refs); err != nil {
			t.Fatal(err)
		}
		if n := srv.Requests(ssmtest.OpGetParameters); n != 6 {
			t.Errorf("%d requests, want 6", n)
		}
		if n := srv.MaxInFlight(); n > 2 {
			t.Errorf("%d requests in flight at once, want at most 2", n)
		}
	})
}
