package backendkit_test

import (
	"context"
	"errors"
	"testing"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

// TestBatchResult is the contract documented on vaultly.BatchBackend, one
// Ref at a time. The root package applies the same rule (its unexported
// batchResult); these cases are the ones both must agree on.
func TestBatchResult(t *testing.T) {
	t.Parallel()
	a, b := vaultly.Ref{Path: "/a"}, vaultly.Ref{Path: "/b"}
	aV1 := vaultly.Ref{Path: "/a", Version: "1"}
	authA := backendkit.NewError("test", vaultly.ErrAuth, a, nil)
	down := backendkit.NewError("test", vaultly.ErrTransient, vaultly.Ref{}, errors.New("connection refused"))
	canceled := backendkit.NewCanceledError("test", vaultly.Ref{}, context.Canceled, nil)
	tests := []struct {
		name   string
		ref    vaultly.Ref
		values map[vaultly.Ref]string
		err    error
		want   string
		// wantErr is the error BatchResult must return itself (nil: none);
		// wantKind, when set, is matched with errors.Is instead.
		wantErr  error
		wantKind error
	}{
		{name: "found", ref: a, values: map[vaultly.Ref]string{a: "va", b: "vb"}, want: "va"},
		{name: "found empty value", ref: a, values: map[vaultly.Ref]string{a: ""}, want: ""},
		{name: "found beside a whole-batch error", ref: a, values: map[vaultly.Ref]string{a: "va"}, err: down, want: "va"},
		{name: "found beside a BatchError for another ref", ref: b, values: map[vaultly.Ref]string{b: "vb"},
			err: &vaultly.BatchError{Errs: map[vaultly.Ref]error{a: authA}}, want: "vb"},
		{name: "version is part of the key", ref: aV1, values: map[vaultly.Ref]string{a: "va"}, wantKind: vaultly.ErrNotFound},
		{name: "absent with nil error", ref: a, values: map[vaultly.Ref]string{b: "vb"}, wantKind: vaultly.ErrNotFound},
		{name: "absent from a nil map", ref: a, wantKind: vaultly.ErrNotFound},
		{name: "BatchError entry", ref: a, values: map[vaultly.Ref]string{b: "vb"},
			err: &vaultly.BatchError{Errs: map[vaultly.Ref]error{a: authA}}, wantErr: authA},
		{name: "BatchError without the ref", ref: b,
			err: &vaultly.BatchError{Errs: map[vaultly.Ref]error{a: authA}}, wantKind: vaultly.ErrNotFound},
		{name: "BatchError with a nil entry", ref: a,
			err: &vaultly.BatchError{Errs: map[vaultly.Ref]error{a: nil}}, wantKind: vaultly.ErrNotFound},
		{name: "wrapped BatchError", ref: a,
			err: errors.Join(&vaultly.BatchError{Errs: map[vaultly.Ref]error{a: authA}}), wantErr: authA},
		{name: "whole-batch error", ref: a, values: map[vaultly.Ref]string{b: "vb"}, err: down, wantErr: down},
		{name: "whole-batch cancellation", ref: a, err: canceled, wantErr: canceled},
		{name: "typed nil BatchError, found", ref: a, values: map[vaultly.Ref]string{a: "va"},
			err: (*vaultly.BatchError)(nil), want: "va"},
		{name: "typed nil BatchError is no error", ref: a, values: map[vaultly.Ref]string{b: "vb"},
			err: (*vaultly.BatchError)(nil), wantKind: vaultly.ErrNotFound},
		{name: "wrapped typed nil BatchError fails the absent", ref: a,
			err: errors.Join((*vaultly.BatchError)(nil)), wantKind: vaultly.ErrTransient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := backendkit.BatchResult(tt.ref, tt.values, tt.err)
			if got != tt.want {
				t.Errorf("value = %q, want %q", got, tt.want)
			}
			switch {
			case tt.wantKind != nil:
				if !errors.Is(err, tt.wantKind) || vaultly.KindOf(err) != vaultly.KindOf(tt.wantKind) {
					t.Errorf("error = %v, want one matching only %v", err, tt.wantKind)
				}
				var be *vaultly.BackendError
				if !errors.As(err, &be) || be.Ref != tt.ref {
					t.Errorf("error = %#v, want a *vaultly.BackendError naming %v", err, tt.ref)
				}
			case err != tt.wantErr:
				t.Errorf("error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}
