package vaultly_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

// typedNilBatch is a BatchBackend whose GetBatch answers from vals and
// returns a typed nil *vaultly.BatchError as its error (as a GetBatch
// that declares "var be *vaultly.BatchError" and returns it unset does),
// as is or wrapped in another error.
type typedNilBatch struct {
	vals map[string]string
	wrap bool
}

func (typedNilBatch) Get(context.Context, vaultly.Ref) (string, error) {
	return "", errors.New("Get must not be called: the backend batches")
}

func (n typedNilBatch) GetBatch(_ context.Context, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	out := map[vaultly.Ref]string{}
	for _, r := range refs {
		if v, ok := n.vals[r.Path]; ok {
			out[r] = v
		}
	}
	var be *vaultly.BatchError
	if n.wrap {
		return out, fmt.Errorf("store: %w", be)
	}
	return out, be
}

// TestGetBatchTypedNilError: a typed nil *BatchError from GetBatch does
// not panic Load. As is, it is no error: what the map holds is found and
// what it lacks is not found. Wrapped in another error it can be read for
// no Ref, so it fails every Ref the map lacks as a transient failure.
func TestGetBatchTypedNilError(t *testing.T) {
	t.Parallel()
	type cfg struct {
		A string `secret:"/a"`
		B string `secret:"/b,optional"`
		C string `secret:"/c"`
	}
	cases := []struct {
		name  string
		b     typedNilBatch
		want  cfg
		kinds map[string]error // field -> kind; nil: Load succeeds
	}{
		{"all found", typedNilBatch{vals: map[string]string{"/a": "1", "/b": "2", "/c": "3"}},
			cfg{A: "1", B: "2", C: "3"}, nil},
		{"optional missing", typedNilBatch{vals: map[string]string{"/a": "1", "/c": "3"}},
			cfg{A: "1", C: "3"}, nil},
		{"missing is not found", typedNilBatch{vals: map[string]string{"/a": "1"}},
			cfg{}, map[string]error{"cfg.C": vaultly.ErrNotFound}},
		{"wrapped, all found", typedNilBatch{wrap: true, vals: map[string]string{"/a": "1", "/b": "2", "/c": "3"}},
			cfg{A: "1", B: "2", C: "3"}, nil},
		{"wrapped, the missing are transient", typedNilBatch{wrap: true, vals: map[string]string{"/a": "1"}},
			cfg{}, map[string]error{"cfg.B": vaultly.ErrTransient, "cfg.C": vaultly.ErrTransient}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var dst cfg
			err := loadNoPanic(t, &dst, tc.b)
			if tc.kinds == nil {
				if err != nil {
					t.Fatalf("Load = %v", err)
				}
				if dst != tc.want {
					t.Errorf("dst = %+v, want %+v", dst, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Load = nil, want errors for %v", tc.kinds)
			}
			_ = err.Error() // printing must not panic either
			joined, ok := err.(interface{ Unwrap() []error })
			if !ok {
				t.Fatalf("Load = %v, want joined *FieldErrors", err)
			}
			var fes []*vaultly.FieldError
			for _, e := range joined.Unwrap() {
				var fe *vaultly.FieldError
				if !errors.As(e, &fe) {
					t.Fatalf("%v is not a *FieldError", e)
				}
				fes = append(fes, fe)
			}
			if len(fes) != len(tc.kinds) {
				t.Fatalf("Load = %v, want errors for %v", err, tc.kinds)
			}
			for _, fe := range fes {
				if want, ok := tc.kinds[fe.Field]; !ok || !errors.Is(fe, want) {
					t.Errorf("%s: %v, want %v", fe.Field, fe, want)
				}
			}
		})
	}
}

// TestBatchResultTypedNil: the core and backendkit read a typed nil
// *BatchError alike (batch_result_test.go's table, for these errors), and
// neither panics.
func TestBatchResultTypedNil(t *testing.T) {
	t.Parallel()
	a, b := vaultly.Ref{Path: "/a"}, vaultly.Ref{Path: "/b"}
	var nilBE *vaultly.BatchError
	errs := []struct {
		name string
		err  error
		kind error // of a Ref the map lacks
	}{
		{"typed nil", nilBE, vaultly.ErrNotFound},
		{"wrapped typed nil", fmt.Errorf("store: %w", nilBE), vaultly.ErrTransient},
		{"joined typed nil", errors.Join(nilBE), vaultly.ErrTransient},
	}
	maps := []map[vaultly.Ref]string{nil, {}, {a: "va"}, {b: "vb"}}
	for _, tc := range errs {
		for _, values := range maps {
			for _, ref := range []vaultly.Ref{a, b} {
				cv, cerr := callNoPanic(t, vaultly.BatchResult, ref, values, tc.err)
				kv, kerr := callNoPanic(t, backendkit.BatchResult, ref, values, tc.err)
				if cv != kv || vaultly.KindOf(cerr) != vaultly.KindOf(kerr) {
					t.Errorf("%s, ref %v, values %v:\ncore       %q, %v\nbackendkit %q, %v", tc.name, ref, values, cv, cerr, kv, kerr)
				}
				_, found := values[ref]
				switch {
				case found && (cerr != nil || cv != values[ref]):
					t.Errorf("%s, ref %v, values %v: %q, %v; want the value", tc.name, ref, values, cv, cerr)
				case !found && !errors.Is(cerr, tc.kind):
					t.Errorf("%s, ref %v, values %v: %v; want %v", tc.name, ref, values, cerr, tc.kind)
				}
			}
		}
	}
	// A nil *BatchError prints and unwraps without panicking.
	if s := nilBE.Error(); !strings.Contains(s, "nil") {
		t.Errorf("nil *BatchError prints %q", s)
	}
	if errs := nilBE.Unwrap(); errs != nil {
		t.Errorf("nil *BatchError unwraps to %v", errs)
	}
}

func callNoPanic(t *testing.T, f func(vaultly.Ref, map[vaultly.Ref]string, error) (string, error),
	ref vaultly.Ref, values map[vaultly.Ref]string, err error) (v string, rerr error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("BatchResult(%v, %v, %#v) panicked: %v", ref, values, err, r)
			v, rerr = "", errors.New("panicked")
		}
	}()
	return f(ref, values, err)
}
