package chain_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/chain"
	"github.com/vaultly/vaultly/backends/mock"
)

// nilBatchError answers GetBatch from vals with a typed nil
// *vaultly.BatchError as its error, returned as is or wrapped.
type nilBatchError struct {
	vals map[string]string
	wrap bool
}

func (n nilBatchError) Get(context.Context, vaultly.Ref) (string, error) {
	return "", errors.New("unused")
}

func (n nilBatchError) GetBatch(_ context.Context, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	out := map[vaultly.Ref]string{}
	for _, r := range refs {
		if v, ok := n.vals[r.Path]; ok {
			out[r] = v
		}
	}
	var be *vaultly.BatchError // a typed nil
	if n.wrap {
		return out, fmt.Errorf("member: %w", be)
	}
	return out, be
}

// A member whose GetBatch returns a typed nil *vaultly.BatchError does not
// panic the chain: as is, it is no error (a Ref absent from the map was
// not found and falls through); wrapped in another error, which names no
// Ref, it fails the Refs absent from the map as a transient failure of that
// member (backendkit.BatchResult's rule).
func TestGetBatchTypedNilError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		wrap     bool
		ask      []string
		vals     map[string]string // the values returned
		errKinds map[string]string // the kind of each failing Ref
		errMsgs  map[string]string // the message of each failing Ref
	}{
		{
			name: "all found in the first member",
			ask:  []string{"/x"},
			vals: map[string]string{"/x": "a-x"},
		},
		{
			name: "the rest falls through",
			ask:  []string{"/x", "/y"},
			vals: map[string]string{"/x": "a-x", "/y": "b-y"},
		},
		{
			name:     "missing everywhere is not found",
			ask:      []string{"/x", "/nope"},
			vals:     map[string]string{"/x": "a-x"},
			errKinds: map[string]string{"/nope": "not_found"},
			errMsgs:  map[string]string{"/nope": "chain: /nope: secret not found: asked a, b"},
		},
		{
			name:     "wrapped, it fails what is absent",
			wrap:     true,
			ask:      []string{"/x", "/y"},
			vals:     map[string]string{"/x": "a-x"},
			errKinds: map[string]string{"/y": "transient"},
			errMsgs: map[string]string{"/y": "chain: a failed (asked a): /y: transient backend failure: " +
				"member: vaultly: batch: nil *BatchError"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := nilBatchError{vals: map[string]string{"/x": "a-x"}, wrap: tt.wrap}
			b := mock.New(map[string]string{"/y": "b-y"})
			c, err := chain.New([]vaultly.Backend{a, b}, chain.WithNames("a", "b"))
			if err != nil {
				t.Fatal(err)
			}
			refs := make([]vaultly.Ref, len(tt.ask))
			for i, p := range tt.ask {
				refs[i] = vaultly.Ref{Path: p}
			}
			vals, err := c.GetBatch(context.Background(), refs)
			gotVals := map[string]string{}
			for r, v := range vals {
				gotVals[r.Path] = v
			}
			var gotKinds, gotMsgs map[string]string
			if err != nil {
				var be *vaultly.BatchError
				if !errors.As(err, &be) || be == nil {
					t.Fatalf("err = %v, want a *vaultly.BatchError", err)
				}
				gotKinds, gotMsgs = map[string]string{}, map[string]string{}
				for r, e := range be.Errs {
					gotKinds[r.Path], gotMsgs[r.Path] = vaultly.KindOf(e), e.Error()
				}
			}
			if diff := cmp.Diff(tt.vals, gotVals); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.errKinds, gotKinds); diff != "" {
				t.Errorf("error kinds (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.errMsgs, gotMsgs); diff != "" {
				t.Errorf("error messages (-want +got):\n%s", diff)
			}
		})
	}
}
