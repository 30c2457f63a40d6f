package backendtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

// returnTimeout bounds how long the suite waits for a call that should end
// at once (because its context ended) before it reports the call as hung.
// It never delays a passing run.
const returnTimeout = 30 * time.Second

func (s *suite) testName(t *testing.T) {
	t.Parallel()
	b := s.newBackend(t)
	name := backendkit.Name(b)
	switch {
	case strings.TrimSpace(name) == "":
		t.Errorf("backendkit.Name(b) = %q; want a non-empty name", name)
	case s.leaks(name):
		t.Errorf("backendkit.Name(b) = %q holds a secret value", name)
	}
}

// testGet reads every seeded secret and every missing path with Get.
func (s *suite) testGet(t *testing.T) {
	t.Parallel()
	b := s.newBackend(t)
	ctx := context.Background()
	for _, ref := range s.found {
		if ref.Version != "" {
			continue // testVersions
		}
		got, err := b.Get(ctx, ref)
		s.checkOutcome(t, "Get", ref, got, err)
	}
	for _, ref := range s.missing {
		if ref.Version != "" {
			continue
		}
		got, err := b.Get(ctx, ref)
		s.checkOutcome(t, "Get", ref, got, err)
	}
}

// testVersions reads every version of every secret, and versions that do
// not exist.
func (s *suite) testVersions(t *testing.T) {
	if !s.h.Versions {
		t.Skip("Harness.Versions is false")
	}
	t.Parallel()
	b := s.newBackend(t)
	ctx := context.Background()
	for _, ref := range s.versionRefs() {
		got, err := b.Get(ctx, ref)
		s.checkOutcome(t, "Get", ref, got, err)
	}
}

// versionRefs are the Refs with a version, found or not, and the
// unversioned Ref of the versioned secret.
func (s *suite) versionRefs() []vaultly.Ref {
	refs := []vaultly.Ref{{Path: s.path(versionedFixture.name)}}
	for _, ref := range append(append([]vaultly.Ref(nil), s.found...), s.missing...) {
		if ref.Version != "" {
			refs = append(refs, ref)
		}
	}
	return refs
}

// batch calls GetBatch, checks the shape of its answer (the error text,
// the Refs a BatchError names) and every asked Ref's outcome as
// backendkit.BatchResult reads it. It returns the answer.
func (s *suite) batch(t *testing.T, bb vaultly.BatchBackend, ctx context.Context, call string, refs []vaultly.Ref,
	check func(ref vaultly.Ref, got string, err error)) {
	t.Helper()
	values, err := s.getBatch(t, bb, ctx, call, refs)
	for _, ref := range refs {
		got, rerr := backendkit.BatchResult(ref, values, err)
		check(ref, got, rerr)
	}
}

// getBatch calls GetBatch and checks the shape of its answer, and that it
// left the caller's slice of Refs as it was: the caller reads the answer
// by those Refs.
func (s *suite) getBatch(t *testing.T, bb vaultly.BatchBackend, ctx context.Context, call string, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	t.Helper()
	before := slices.Clone(refs)
	values, err := bb.GetBatch(ctx, refs)
	if !slices.Equal(refs, before) {
		t.Errorf("%s: GetBatch changed the slice of Refs it was given: %v, was %v", call, refs, before)
	}
	s.checkBatchShape(t, call, before, values, err)
	return values, err
}

// checkBatchShape checks what the contract says about a GetBatch answer
// as a whole.
func (s *suite) checkBatchShape(t *testing.T, call string, refs []vaultly.Ref, values map[vaultly.Ref]string, err error) {
	t.Helper()
	s.checkText(t, call, err)
	asked := make(map[vaultly.Ref]bool, len(refs))
	for _, ref := range refs {
		asked[ref] = true
	}
	for ref := range values {
		if !asked[ref] {
			// Load reads only the Refs it asked for, so an extra key is
			// harmless; it often means the backend keys its answer by a
			// rewritten Ref, which the asked Ref's check then reports.
			t.Logf("%s: the map has a key that was not asked for: %v (ignored, as Load ignores it)", call, ref)
		}
	}
	var be *vaultly.BatchError
	if err == nil || !errors.As(err, &be) {
		if err != nil && vaultly.KindOf(err) == "unknown" {
			t.Errorf("%s: the error for the whole batch is not classified: %q", call, err.Error())
		}
		return
	}
	for ref, e := range be.Errs {
		switch {
		case !asked[ref]:
			t.Errorf("%s: the BatchError names %v, which was not asked for", call, ref)
		case e != nil && vaultly.KindOf(e) == "unknown":
			t.Errorf("%s: the BatchError entry for %v is not classified: %q", call, ref, e.Error())
		}
		if _, ok := values[ref]; ok {
			t.Errorf("%s: %v is both in the map and in the BatchError", call, ref)
		}
	}
}

// testBatch checks GetBatch, read the way Load reads it.
func (s *suite) testBatch(t *testing.T) {
	t.Parallel()
	b := s.newBackend(t)
	bb, ok := b.(vaultly.BatchBackend)
	if !ok {
		t.Skipf("%T does not implement vaultly.BatchBackend", b)
	}
	ctx := context.Background()
	var found, missing []vaultly.Ref
	for _, ref := range s.found {
		if ref.Version == "" {
			found = append(found, ref)
		}
	}
	for _, ref := range s.missing {
		if ref.Version == "" {
			missing = append(missing, ref)
		}
	}
	plain, unicode := vaultly.Ref{Path: s.path("plain")}, vaultly.Ref{Path: s.path("unicode")}
	tests := []struct {
		name string
		refs []vaultly.Ref
	}{
		{"every secret", found},
		{"every secret and every missing path", interleave(found, missing)},
		{"one secret", []vaultly.Ref{plain}},
		{"one missing path", missing[:1]},
		{"only missing paths", missing},
		{"repeated refs", []vaultly.Ref{plain, plain, missing[0], unicode, missing[0], plain}},
	}
	if s.h.Versions {
		tests = append(tests, struct {
			name string
			refs []vaultly.Ref
		}{"versions", append(s.versionRefs(), plain)})
	}
	for _, tt := range tests {
		call := "GetBatch(" + tt.name + ")"
		s.batch(t, bb, ctx, call, tt.refs, func(ref vaultly.Ref, got string, err error) {
			t.Helper()
			s.checkOutcome(t, call, ref, got, err)
		})
	}
	for _, refs := range [][]vaultly.Ref{nil, {}} {
		call := fmt.Sprintf("GetBatch(%#v)", refs)
		values, err := s.getBatch(t, bb, ctx, call, refs)
		if err != nil {
			t.Errorf("%s = %d values, %s; want a nil error", call, len(values), kindText(err))
		}
	}
}

// interleave alternates the Refs of a and b, then appends the rest.
func interleave(a, b []vaultly.Ref) []vaultly.Ref {
	out := make([]vaultly.Ref, 0, len(a)+len(b))
	for i := 0; i < max(len(a), len(b)); i++ {
		if i < len(a) {
			out = append(out, a[i])
		}
		if i < len(b) {
			out = append(out, b[i])
		}
	}
	return out
}

// testFailures checks that a secret that fails is never reported as not
// found, alone or in a batch.
func (s *suite) testFailures(t *testing.T) {
	if !s.h.Failures {
		t.Skip("Harness.Failures is false")
	}
	t.Parallel()
	b := s.newBackend(t)
	ctx := context.Background()
	got, err := b.Get(ctx, s.failing)
	s.checkOutcome(t, "Get", s.failing, got, err)

	bb, ok := b.(vaultly.BatchBackend)
	if !ok {
		return
	}
	plain, unicode := vaultly.Ref{Path: s.path("plain")}, vaultly.Ref{Path: s.path("unicode")}
	refs := []vaultly.Ref{plain, s.failing, s.missing[0], unicode}
	const call = "GetBatch(with a failing secret)"
	s.batch(t, bb, ctx, call, refs, func(ref vaultly.Ref, got string, err error) {
		t.Helper()
		if ref != s.failing && isFailure(err) {
			// The store failed the whole request, or the chunk that held
			// the failing secret: allowed, since the error applies to
			// every Ref absent from the map.
			s.checkText(t, call, err)
			t.Logf("%s: %v failed with the failing secret: %v", call, ref, err)
			return
		}
		s.checkOutcome(t, call, ref, got, err)
	})
}

// testConcurrent calls the backend from many goroutines at once; run with
// -race.
func (s *suite) testConcurrent(t *testing.T) {
	t.Parallel()
	b := s.newBackend(t)
	bb, batches := b.(vaultly.BatchBackend)
	refs := append(append([]vaultly.Ref(nil), s.found...), s.missing...)
	const goroutines, rounds = 8, 3
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			ctx := context.Background()
			for r := range rounds {
				if batches && (g+r)%2 == 0 {
					s.batch(t, bb, ctx, "concurrent GetBatch", refs, func(ref vaultly.Ref, got string, err error) {
						s.checkOutcome(t, "concurrent GetBatch", ref, got, err)
					})
					continue
				}
				for i := range refs {
					ref := refs[(i+g)%len(refs)] // each goroutine starts elsewhere
					got, err := b.Get(ctx, ref)
					s.checkOutcome(t, "concurrent Get", ref, got, err)
				}
			}
		})
	}
	wg.Wait()
}

// testCanceled calls Get and GetBatch with a context that has already
// ended.
func (s *suite) testCanceled(t *testing.T) {
	t.Parallel()
	b := s.newBackend(t)
	refs := s.cancelRefs()
	for _, c := range endedContexts(t) {
		for _, ref := range refs {
			got, err := b.Get(c.ctx, ref)
			s.checkCanceled(t, "Get with "+c.name, ref, got, err, c.want)
		}
		if bb, ok := b.(vaultly.BatchBackend); ok {
			s.checkCanceledBatch(t, bb, c.ctx, "GetBatch with "+c.name, refs, c.want)
		}
	}
}

// endedContext is a context that ended before the call, and the error
// the call's answer must match.
type endedContext struct {
	name string
	ctx  context.Context
	want error
}

// endedContexts returns a canceled and an expired context, for the
// cancellation checks of every call.
func endedContexts(t *testing.T) []endedContext {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(0, 0))
	t.Cleanup(cancel2)
	return []endedContext{
		{"a canceled context", canceled, context.Canceled},
		{"an expired context", expired, context.DeadlineExceeded},
	}
}

// cancelRefs are the Refs the cancellation checks read: a secret, a
// missing path and, with Harness.Failures, the failing secret. None of
// them may be answered with its kind once the context has ended.
func (s *suite) cancelRefs() []vaultly.Ref {
	refs := []vaultly.Ref{{Path: s.path("plain")}, s.missing[0]}
	if s.h.Failures {
		refs = append(refs, s.failing)
	}
	return refs
}

// checkCanceled checks one answer to a call whose context ended.
func (s *suite) checkCanceled(t *testing.T, call string, ref vaultly.Ref, got string, err, want error) {
	t.Helper()
	s.checkText(t, call, err)
	if !isCanceled(err, want) {
		t.Errorf("%s: %v: got %q, %s; want an error matching %v and no kind (backendkit.NewCanceledError)",
			call, ref, got, kindText(err), want)
	}
}

// checkCanceledBatch checks a GetBatch whose context has ended (or ends
// during the call): it must fail, and every Ref it does not answer with
// its right value must read as canceled.
func (s *suite) checkCanceledBatch(t *testing.T, bb vaultly.BatchBackend, ctx context.Context, call string, refs []vaultly.Ref, want error) {
	t.Helper()
	values, err := s.getBatch(t, bb, ctx, call, refs)
	if !errors.Is(err, want) {
		t.Errorf("%s: got %d values, %s; want an error matching %v", call, len(values), kindText(err), want)
	}
	for _, ref := range refs {
		got, rerr := backendkit.BatchResult(ref, values, err)
		if rerr == nil {
			// A value the store sent before the context ended may be kept.
			s.checkOutcome(t, call, ref, got, rerr)
			continue
		}
		s.checkCanceled(t, call, ref, got, rerr, want)
	}
}

// testCanceledDuringCall cancels calls that have reached a slow store.
func (s *suite) testCanceledDuringCall(t *testing.T) {
	if s.h.NewSlow == nil {
		t.Skip("Harness.NewSlow is nil")
	}
	t.Parallel()
	b, arrived := s.h.NewSlow(t, s.copySecrets())
	if b == nil || arrived == nil {
		t.Fatal("backendtest: Harness.NewSlow returned a nil backend or a nil arrived")
	}
	refs := s.cancelRefs()
	calls := 0
	// during runs call with a context that is canceled once the call has
	// reached the store, and waits for it to return.
	during := func(name string, call func(ctx context.Context)) {
		t.Helper()
		calls++
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan struct{})
		go func() {
			defer close(done)
			call(ctx)
		}()
		wait, stop := context.WithTimeout(context.Background(), returnTimeout)
		defer stop()
		reached := make(chan error, 1)
		n := calls
		go func() { reached <- arrived(wait, n) }()
		select {
		case err := <-reached:
			if err != nil {
				cancel()
				<-done
				t.Fatalf("%s never reached the store: arrived(ctx, %d): %v", name, n, err)
			}
		case <-done:
			t.Fatalf("%s returned before it reached the store: NewSlow must make every call block until its context ends", name)
		}
		cancel()
		select {
		case <-done:
		case <-time.After(returnTimeout):
			t.Fatalf("%s did not return within %v of its context being canceled", name, returnTimeout)
		}
	}
	for _, ref := range refs {
		call := fmt.Sprintf("Get(%v) canceled during the call", ref)
		during(call, func(ctx context.Context) {
			got, err := b.Get(ctx, ref)
			s.checkCanceled(t, call, ref, got, err, context.Canceled)
		})
	}
	if bb, ok := b.(vaultly.BatchBackend); ok {
		const call = "GetBatch canceled during the call"
		during(call, func(ctx context.Context) {
			s.checkCanceledBatch(t, bb, ctx, call, refs, context.Canceled)
		})
	}
	if pb, ok := b.(backendkit.PrefixBackend); ok && s.h.Prefixes {
		prefix := s.path("tree") + "/"
		call := fmt.Sprintf("GetPrefix(%q) canceled during the call", prefix)
		during(call, func(ctx context.Context) {
			got, err := pb.GetPrefix(ctx, prefix, 10_000)
			s.checkText(t, call, err)
			if !isCanceled(err, context.Canceled) {
				t.Errorf("%s = %s, %s; want an error matching context canceled and no kind (backendkit.NewCanceledError)",
					call, describe(got), kindText(err))
			}
		})
	}
}
