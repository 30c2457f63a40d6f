package retry

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

func refs(paths ...string) []vaultly.Ref {
	out := make([]vaultly.Ref, len(paths))
	for i, p := range paths {
		out[i] = vaultly.Ref{Path: p}
	}
	return out
}

func TestGetBatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		script    []batchCall
		ask       []string
		wantAsked [][]string
		wantVals  map[string]string
		wantErr   string            // describe(err) of the whole error
		wantErrs  map[string]string // describe() of each *vaultly.BatchError entry
	}{
		{
			name:      "whole batch retried after a transient failure",
			script:    []batchCall{{whole: transient("")}, {found: map[string]string{"a": "1", "b": "2"}}},
			ask:       []string{"a", "b"},
			wantAsked: [][]string{{"a", "b"}, {"a", "b"}},
			wantVals:  map[string]string{"a": "1", "b": "2"},
			wantErr:   "ok",
		},
		{
			name: "only retryable Refs asked again, answers merged",
			script: []batchCall{
				{found: map[string]string{"c": "3"}, errs: map[string]error{"a": transient("a"), "b": kindErr(vaultly.ErrAuth, "b")}},
				{found: map[string]string{"a": "1"}},
			},
			ask:       []string{"a", "b", "c", "d"},
			wantAsked: [][]string{{"a", "b", "c", "d"}, {"a"}},
			wantVals:  map[string]string{"a": "1", "c": "3"},
			wantErr:   "auth",
			wantErrs:  map[string]string{"b": "auth"},
		},
		{
			name:      "values beside a whole failure are kept",
			script:    []batchCall{{found: map[string]string{"a": "1"}, whole: transient("")}, {found: map[string]string{"b": "2"}}},
			ask:       []string{"a", "b"},
			wantAsked: [][]string{{"a", "b"}, {"b"}},
			wantVals:  map[string]string{"a": "1", "b": "2"},
			wantErr:   "ok",
		},
		{
			name:      "duplicates asked once",
			script:    []batchCall{{found: map[string]string{"a": "1"}}},
			ask:       []string{"a", "a", "b"},
			wantAsked: [][]string{{"a", "b"}},
			wantVals:  map[string]string{"a": "1"},
			wantErr:   "ok",
		},
		{
			name:      "whole failure that is not retryable is returned as it is",
			script:    []batchCall{{whole: kindErr(vaultly.ErrAuth, "")}},
			ask:       []string{"a", "b"},
			wantAsked: [][]string{{"a", "b"}},
			wantVals:  map[string]string{},
			wantErr:   "auth",
		},
		{
			name:      "whole transient failure until attempts run out",
			script:    []batchCall{{whole: transient("")}},
			ask:       []string{"a"},
			wantAsked: [][]string{{"a"}, {"a"}, {"a"}},
			wantVals:  map[string]string{},
			wantErr:   "transient attempts=3 budget=false",
		},
		{
			name: "per-Ref transient until attempts run out",
			script: []batchCall{
				{found: map[string]string{"b": "2"}, errs: map[string]error{"a": transient("a")}},
			},
			ask:       []string{"a", "b"},
			wantAsked: [][]string{{"a", "b"}, {"a"}, {"a"}},
			wantVals:  map[string]string{"b": "2"},
			wantErr:   "transient attempts=3 budget=false",
			wantErrs:  map[string]string{"a": "transient attempts=3 budget=false"},
		},
		{
			name: "a later whole failure does not hide earlier not-found Refs",
			script: []batchCall{
				{errs: map[string]error{"a": transient("a")}}, // b absent: not found
				{whole: kindErr(vaultly.ErrAuth, "")},
			},
			ask:       []string{"a", "b"},
			wantAsked: [][]string{{"a", "b"}, {"a"}},
			wantVals:  map[string]string{},
			wantErr:   "auth",
			wantErrs:  map[string]string{"a": "auth"},
		},
		{
			name:      "a not-found error of the inner backend is kept; an absent Ref stays absent",
			script:    []batchCall{{errs: map[string]error{"a": kindErr(vaultly.ErrNotFound, "a")}}},
			ask:       []string{"a", "b"},
			wantAsked: [][]string{{"a", "b"}},
			wantVals:  map[string]string{},
			wantErr:   "not_found",
			wantErrs:  map[string]string{"a": "not_found"},
		},
		{
			name:      "an absent Ref beside a whole transient failure is asked again",
			script:    []batchCall{{found: map[string]string{"a": "1"}, whole: transient("")}, {found: map[string]string{"b": "2"}}},
			ask:       []string{"a", "b", "c"},
			wantAsked: [][]string{{"a", "b", "c"}, {"b", "c"}},
			wantVals:  map[string]string{"a": "1", "b": "2"},
			wantErr:   "ok",
		},
		{
			name:      "a typed nil *BatchError is no error: an absent Ref is not found",
			script:    []batchCall{{found: map[string]string{"a": "1"}, whole: (*vaultly.BatchError)(nil)}},
			ask:       []string{"a", "b"},
			wantAsked: [][]string{{"a", "b"}},
			wantVals:  map[string]string{"a": "1"},
			wantErr:   "ok",
		},
		{
			// backendkit.BatchResult's rule: a wrapped nil *BatchError names
			// no Ref, so every absent Ref failed transiently, never not found.
			name:      "a wrapped nil *BatchError fails the absent Refs transiently",
			script:    []batchCall{{found: map[string]string{"a": "1"}, whole: fmt.Errorf("inner: %w", (*vaultly.BatchError)(nil))}},
			ask:       []string{"a", "b"},
			wantAsked: [][]string{{"a", "b"}, {"b"}, {"b"}},
			wantVals:  map[string]string{"a": "1"},
			wantErr:   "transient attempts=3 budget=false",
			wantErrs:  map[string]string{"b": "transient attempts=3 budget=false"},
		},
		{
			name:      "empty batch asks nothing",
			script:    []batchCall{{}},
			wantVals:  map[string]string{},
			wantErr:   "ok",
			wantAsked: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			inner := &fakeBatch{script: tt.script}
			nb, err := New(inner, clock.opts()...)
			if err != nil {
				t.Fatal(err)
			}
			b := nb.(*BatchingBackend)
			vals, err := b.GetBatch(context.Background(), refs(tt.ask...))
			if diff := cmp.Diff(tt.wantAsked, inner.calls()); diff != "" {
				t.Errorf("inner GetBatch calls (-want +got):\n%s", diff)
			}
			gotVals := map[string]string{}
			for r, v := range vals {
				gotVals[r.Path] = v
			}
			if diff := cmp.Diff(tt.wantVals, gotVals); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantErr, describe(err)); diff != "" {
				t.Errorf("error (-want +got):\n%s\nerr: %v", diff, err)
			}
			var gotErrs map[string]string
			var be *vaultly.BatchError
			if errors.As(err, &be) {
				gotErrs = map[string]string{}
				for r, e := range be.Errs {
					gotErrs[r.Path] = describe(e)
				}
			}
			if diff := cmp.Diff(tt.wantErrs, gotErrs); diff != "" {
				t.Errorf("per-Ref errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGetBatchCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	inner := &fakeBatch{script: []batchCall{{found: map[string]string{"a": "1"}, errs: map[string]error{"b": transient("b")}}}}
	b, err := New(inner, WithSleep(func(ctx context.Context, _ time.Duration) error {
		cancel()
		return ctx.Err()
	}))
	if err != nil {
		t.Fatal(err)
	}
	vals, err := b.(vaultly.BatchBackend).GetBatch(ctx, refs("a", "b"))
	checkCanceled(t, err)
	if vals != nil {
		t.Errorf("values = %v, want none after cancel", keys(vals))
	}
	if diff := cmp.Diff(1, len(inner.calls())); diff != "" {
		t.Errorf("inner calls (-want +got):\n%s", diff)
	}
}

func TestGetBatchHookGetsZeroRef(t *testing.T) {
	t.Parallel()
	var got []vaultly.Ref
	hooks := &vaultly.Hooks{OnRetry: func(r vaultly.Ref, _ int, _ error, _ time.Duration) { got = append(got, r) }}
	clock := newFakeClock()
	inner := &fakeBatch{script: []batchCall{{whole: transient("")}, {}}}
	b, err := New(inner, clock.opts()...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.(vaultly.BatchBackend).GetBatch(backendkit.WithHooks(context.Background(), hooks), refs("a")); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]vaultly.Ref{{}}, got); diff != "" {
		t.Errorf("hook refs (-want +got):\n%s", diff)
	}
}

func keys(m map[vaultly.Ref]string) []string {
	out := make([]string, 0, len(m))
	for r := range m {
		out = append(out, r.String())
	}
	sort.Strings(out)
	return out
}
