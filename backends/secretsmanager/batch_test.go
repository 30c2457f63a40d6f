package secretsmanager_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/backends/secretsmanager"
	"github.com/vaultly/vaultly/backends/secretsmanager/smtest"
)

func TestGetBatch(t *testing.T) {
	t.Parallel()
	b, srv := newBackend(t)
	var refs []vaultly.Ref
	want := map[vaultly.Ref]string{}
	for i := range 42 {
		name := fmt.Sprintf("app/k%02d", i)
		srv.Put(name, fmt.Sprintf("v%02d", i))
		refs = append(refs, vaultly.Ref{Path: name})
		want[vaultly.Ref{Path: name}] = fmt.Sprintf("v%02d", i)
	}
	old := srv.VersionID("app/k00", smtest.StageCurrent)
	srv.Put("app/k00", "v00-new")
	want[vaultly.Ref{Path: "app/k00"}] = "v00-new"
	srv.PutStaged("app/k00", "v00-pending", smtest.StagePending)
	srv.PutBinary("app/bin", []byte{0xff, 0})
	srv.Put("app/json", `{"user":"u","n":1}`)
	srv.Put("app/gone", "x")
	srv.ScheduleDeletion("app/gone")
	extra := map[vaultly.Ref]string{
		{Path: "app/k00", Version: old}:           "v00",
		{Path: "app/k00", Version: "AWSPREVIOUS"}: "v00",
		{Path: "app/k00", Version: "AWSPENDING"}:  "v00-pending",
		{Path: "app/k00", Version: "AWSCURRENT"}:  "v00-new", // read in the batch, with app/k00
		{Path: srv.ARN("app/k01")}:                "v01",     // the same secret by ARN: asked apart
		{Path: partialARN(srv.ARN("app/k02"))}:    "v02",     // and by partial ARN
		{Path: "app/bin"}:                         "\xff\x00",
		{Path: "app/json", Key: "user"}:           "u",
		{Path: "app/json", Key: "n"}:              "1",
	}
	for ref, v := range extra {
		refs = append(refs, ref)
		want[ref] = v
	}
	missing := []vaultly.Ref{{Path: "app/nope"}, {Path: "app/k01", Version: "green"}}
	refs = append(refs, missing...)
	refs = append(refs, refs[3], refs[4], missing[0]) // duplicates
	deleted := vaultly.Ref{Path: "app/gone"}
	refs = append(refs, deleted)

	got, err := b.GetBatch(t.Context(), refs)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	for _, ref := range missing {
		if _, err := backendkit.BatchResult(ref, got, err); !errors.Is(err, vaultly.ErrNotFound) {
			t.Errorf("%v: %v, want ErrNotFound", ref, err)
		}
	}
	_, derr := backendkit.BatchResult(deleted, got, err)
	if !errors.Is(derr, vaultly.ErrNotFound) || !errors.As(derr, new(*types.InvalidRequestException)) {
		t.Errorf("scheduled for deletion: %v, want ErrNotFound with the InvalidRequestException", derr)
	}
	// Current versions: 42 + bin + json + nope + gone + two ARNs = 48
	// distinct ids, 3 BatchGetSecretValue calls of at most 20; the 4
	// pinned versions (old, AWSPREVIOUS, AWSPENDING, green): 4
	// GetSecretValue calls.
	var ids []string
	for _, c := range srv.Calls() {
		switch c.Op {
		case smtest.OpBatchGetSecretValue:
			if len(c.IDs) > 20 {
				t.Errorf("a batch of %d ids", len(c.IDs))
			}
			ids = append(ids, c.IDs...)
		case smtest.OpGetSecretValue:
		default:
			t.Errorf("call %s", c.Op)
		}
	}
	if n := srv.Requests(smtest.OpBatchGetSecretValue); n != 3 {
		t.Errorf("%d BatchGetSecretValue calls, want 3", n)
	}
	if n := srv.Requests(smtest.OpGetSecretValue); n != 4 {
		t.Errorf("%d GetSecretValue calls, want 4", n)
	}
	sort.Strings(ids)
	for i := 1; i < len(ids); i++ {
		if ids[i] == ids[i-1] {
			t.Errorf("%s asked twice", ids[i])
		}
	}
	if len(ids) != 48 {
		t.Errorf("%d ids asked, want 48", len(ids))
	}
}

// A call that fails as a whole fails its own Refs only; per-secret
// errors fail their secret only.
func TestGetBatchFailures(t *testing.T) {
	t.Parallel()
	b, srv := newBackend(t)
	var refs []vaultly.Ref
	for i := range 45 {
		name := fmt.Sprintf("p/%02d", i)
		srv.Put(name, "v"+name)
		refs = append(refs, vaultly.Ref{Path: name})
	}
	// p/25 is in the second call (ids 20 to 39): that whole call is refused.
	srv.Inject(smtest.AccessDenied(), "p/25")
	srv.FailSecret("p/03", "DecryptionFailure")
	got, err := b.GetBatch(t.Context(), refs)
	var be *vaultly.BatchError
	if !errors.As(err, &be) {
		t.Fatalf("error %v, want *vaultly.BatchError", err)
	}
	for i, ref := range refs {
		v, err := backendkit.BatchResult(ref, got, err)
		switch {
		case i >= 20 && i < 40:
			var ae smithy.APIError
			if !errors.Is(err, vaultly.ErrAuth) || !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" {
				t.Errorf("%v: %v, want ErrAuth with the AccessDeniedException", ref, err)
			}
		case i == 3:
			if !errors.Is(err, vaultly.ErrAuth) || !errors.As(err, new(*types.DecryptionFailure)) {
				t.Errorf("%v: %v, want ErrAuth with the DecryptionFailure", ref, err)
			}
		default:
			if err != nil || v != "v"+ref.Path {
				t.Errorf("%v: %q, %v; want its value", ref, v, err)
			}
		}
	}
	if len(be.Errs) != 21 {
		t.Errorf("%d failed refs, want 21", len(be.Errs))
	}
}

func TestGetBatchConcurrency(t *testing.T) {
	t.Parallel()
	refs := make([]vaultly.Ref, 120) // 6 calls
	for i := range refs {
		refs[i] = vaultly.Ref{Path: fmt.Sprintf("c/%03d", i)}
	}
	refs = append(refs, vaultly.Ref{Path: "c/000", Version: "AWSPREVIOUS"}) // and one GetSecretValue

	t.Run("all requests in flight at once", func(t *testing.T) {
		t.Parallel()
		b, srv := newBackend(t)
		srv.Inject(smtest.Latency(time.Hour))
		ctx, cancel := context.WithCancel(t.Context())
		errc := make(chan error, 1)
		go func() {
			_, err := b.GetBatch(ctx, refs)
			errc <- err
		}()
		// All seven arrive while none has been answered.
		if err := srv.WaitRequests(t.Context(), "", 7); err != nil {
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
		b, srv := newBackend(t, secretsmanager.WithBatchConcurrency(2))
		srv.Inject(smtest.Latency(2 * time.Millisecond))
		if _, err := b.GetBatch(t.Context(), refs); err != nil {
			t.Fatal(err)
		}
		if n := srv.TotalRequests(); n != 7 {
			t.Errorf("%d requests, want 7", n)
		}
		if n := srv.MaxInFlight(); n > 2 {
			t.Errorf("%d requests in flight at once, want at most 2", n)
		}
	})
}

// partialARN is arn without the hyphen and six characters at its end.
func partialARN(arn string) string { return arn[:len(arn)-7] }
