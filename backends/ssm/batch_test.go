package ssm_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	ssmsdk "github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go/middleware"
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

// panicOn is an HTTP client that panics, with a value that looks like a
// secret, on a request whose body mentions name; other requests go to next.
type panicOn struct {
	next ssmsdk.HTTPClient
	name string
}

const panicValue = "panic-value-s3cret"

func (p *panicOn) Do(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	if bytes.Contains(body, []byte(p.name)) {
		panic(panicValue)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return p.next.Do(r)
}

// A call that panics fails its own Refs with ErrTransient, without the
// panic value; the other calls' values are kept.
func TestGetBatchPanickingCall(t *testing.T) {
	t.Parallel()
	srv := ssmtest.NewServer(t)
	client := srv.Client(func(o *ssmsdk.Options) { o.HTTPClient = &panicOn{next: o.HTTPClient, name: "/p/12"} })
	b, err := ssm.New(ssm.WithClient(client))
	if err != nil {
		t.Fatal(err)
	}
	var refs []vaultly.Ref
	for i := range 25 {
		name := fmt.Sprintf("/p/%02d", i)
		srv.Put(name, "v"+name)
		refs = append(refs, vaultly.Ref{Path: name})
	}
	got, err := b.GetBatch(t.Context(), refs)
	var be *vaultly.BatchError
	if !errors.As(err, &be) || len(be.Errs) != 10 {
		t.Fatalf("error %v, want a *vaultly.BatchError for the 10 Refs of the second call", err)
	}
	for i, ref := range refs {
		v, err := backendkit.BatchResult(ref, got, err)
		if i < 10 || i >= 20 {
			if err != nil || v != "v"+ref.Path {
				t.Errorf("%v: %q, %v; want its value", ref, v, err)
			}
			continue
		}
		var bke *vaultly.BackendError
		switch {
		case !errors.Is(err, vaultly.ErrTransient):
			t.Errorf("%v: %v, want ErrTransient", ref, err)
		case !errors.As(err, &bke) || bke.Ref != ref || bke.Backend != "ssm":
			t.Errorf("%v: %v, want a BackendError of ssm for its Ref", ref, err)
		case !strings.Contains(err.Error(), "backend panicked"):
			t.Errorf("%v: %q does not say the backend panicked", ref, err)
		case strings.Contains(err.Error(), panicValue):
			t.Errorf("%v: %q prints the panic value", ref, err)
		}
	}
}

// When the caller's context ends while a call waits for a free slot, that
// call never starts: the SDK is not even invoked for it.
func TestGetBatchCancelWhileWaitingForSlot(t *testing.T) {
	t.Parallel()
	srv := ssmtest.NewServer(t)
	var invoked atomic.Int32 // GetParameters operations started, counted before any I/O
	count := middleware.InitializeMiddlewareFunc("countCalls",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			invoked.Add(1)
			return next.HandleInitialize(ctx, in)
		})
	client := srv.Client(func(o *ssmsdk.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Initialize.Add(count, middleware.Before)
		})
	})
	b, err := ssm.New(ssm.WithClient(client), ssm.WithBatchConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	var refs []vaultly.Ref // two calls: /w/00../w/09, then /w/10../w/19
	for i := range 20 {
		name := fmt.Sprintf("/w/%02d", i)
		srv.Put(name, "v")
		refs = append(refs, vaultly.Ref{Path: name})
	}
	srv.Inject(ssmtest.Latency(time.Hour), "/w/00") // holds the first call, the only slot

	ctx, cancel := context.WithCancel(t.Context())
	type result struct {
		got map[vaultly.Ref]string
		err error
	}
	done := make(chan result, 1)
	go func() {
		got, err := b.GetBatch(ctx, refs)
		done <- result{got, err}
	}()
	if err := srv.WaitRequests(t.Context(), ssmtest.OpGetParameters, 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	r := <-done

	if !errors.Is(r.err, context.Canceled) || errors.Is(r.err, vaultly.ErrTransient) {
		t.Errorf("error %v: want context.Canceled and not ErrTransient", r.err)
	}
	if errors.As(r.err, new(*vaultly.BatchError)) {
		t.Errorf("a cancelled batch returned a *BatchError: %v", r.err)
	}
	if len(r.got) != 0 {
		t.Errorf("values %v, want none", r.got)
	}
	if _, err := backendkit.BatchResult(refs[15], r.got, r.err); !errors.Is(err, context.Canceled) {
		t.Errorf("a Ref of the call that never started: %v, want context.Canceled", err)
	}
	if n := invoked.Load(); n != 1 {
		t.Errorf("%d GetParameters calls started, want 1 (the second waited for the slot when ctx ended)", n)
	}
	if n := srv.Requests(ssmtest.OpGetParameters); n != 1 {
		t.Errorf("%d requests reached the server, want 1", n)
	}
}
