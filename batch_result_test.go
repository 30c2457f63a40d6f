package vaultly_test

import (
	"context"
	"errors"
	"testing"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

// TestBatchResultAgrees: the core and backendkit read a batch answer the
// same way (they are two copies of one rule; see backend.go). Every
// combination of a Ref, an answer map and an error is tried on both.
func TestBatchResultAgrees(t *testing.T) {
	t.Parallel()
	a, b := vaultly.Ref{Path: "/a"}, vaultly.Ref{Path: "/b"}
	aV1 := vaultly.Ref{Path: "/a", Version: "1"}
	auth := backendkit.NewError("test", vaultly.ErrAuth, a, nil)
	maps := []map[vaultly.Ref]string{nil, {}, {a: "va"}, {a: ""}, {b: "vb"}, {a: "va", b: "vb"}}
	errs := []error{
		nil,
		backendkit.NewError("test", vaultly.ErrTransient, vaultly.Ref{}, errors.New("down")),
		backendkit.NewCanceledError("test", vaultly.Ref{}, context.Canceled, nil),
		&vaultly.BatchError{Errs: map[vaultly.Ref]error{a: auth}},
		&vaultly.BatchError{Errs: map[vaultly.Ref]error{a: nil}},
		&vaultly.BatchError{Errs: map[vaultly.Ref]error{b: auth}},
		errors.Join(&vaultly.BatchError{Errs: map[vaultly.Ref]error{a: auth}}),
	}
	n := 0
	for _, ref := range []vaultly.Ref{a, b, aV1} {
		for _, values := range maps {
			for _, err := range errs {
				n++
				cv, cerr := vaultly.BatchResult(ref, values, err)
				kv, kerr := backendkit.BatchResult(ref, values, err)
				if cv != kv || vaultly.KindOf(cerr) != vaultly.KindOf(kerr) ||
					(cerr != kerr && !errors.Is(cerr, vaultly.ErrNotFound)) {
					t.Errorf("ref %v, values %v, err %v:\ncore       %q, %v\nbackendkit %q, %v", ref, values, err, cv, cerr, kv, kerr)
				}
			}
		}
	}
	if n != 3*len(maps)*len(errs) {
		t.Fatalf("tried %d cases", n)
	}
}
