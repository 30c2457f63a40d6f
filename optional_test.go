package vaultly_test

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

// TestOptionalInterfacesAgree: the core finds backendkit's optional
// interfaces through unexported copies (it cannot import backendkit);
// each copy has exactly the method set of its original, so a backend
// that implements one is found by the other.
func TestOptionalInterfacesAgree(t *testing.T) {
	t.Parallel()
	kit := map[string]reflect.Type{
		"KeyBackend":    reflect.TypeFor[backendkit.KeyBackend](),
		"PrefixBackend": reflect.TypeFor[backendkit.PrefixBackend](),
		"LeaseBackend":  reflect.TypeFor[backendkit.LeaseBackend](),
	}
	methods := func(t reflect.Type) []string {
		var out []string
		for i := range t.NumMethod() {
			m := t.Method(i)
			out = append(out, m.Name+" "+m.Type.String())
		}
		return out
	}
	if diff := cmp.Diff(len(kit), len(vaultly.OptionalInterfaces)); diff != "" {
		t.Errorf("interfaces (-backendkit +core):\n%s", diff)
	}
	for name, want := range kit {
		got, ok := vaultly.OptionalInterfaces[name]
		if !ok {
			t.Errorf("the core has no copy of backendkit.%s", name)
			continue
		}
		if diff := cmp.Diff(methods(want), methods(got)); diff != "" {
			t.Errorf("%s method set (-backendkit +core):\n%s", name, diff)
		}
		if len(methods(want)) < 2 {
			t.Errorf("%s: %d methods, want Get and its own", name, len(methods(want)))
		}
	}
}

// TestFakeStoreInterfaces: each fake backend of these tests has exactly
// the optional interfaces its name says, so a test that means "a backend
// without GetPrefix" has one.
func TestFakeStoreInterfaces(t *testing.T) {
	t.Parallel()
	s := newStore(nil)
	tests := []struct {
		b    vaultly.Backend
		want []string
	}{
		{plainStore{s}, nil},
		{batchStore{s}, []string{"batch"}},
		{keyStore{s}, []string{"batch", "keys"}},
		{keyGetStore{s}, []string{"keys"}},
		{prefixStore{s}, []string{"prefix"}},
		{prefixBatch{s}, []string{"batch", "prefix"}},
		{leaseStore{s}, []string{"lease"}},
		{leaseBatch{s}, []string{"batch", "lease"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, optionalOf(tt.b)); diff != "" {
			t.Errorf("%T (-want +got):\n%s", tt.b, diff)
		}
	}
}
