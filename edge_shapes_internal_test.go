package vaultly

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

type dynInner struct {
	Pass string `secret:"/pass"`
}

type dynPlain struct {
	Host string
	Next *dynPlain
}

type dynStringer struct {
	Pass string `secret:"/pass"`
}

func (dynStringer) String() string { return "x" }

// TestDynamicErrs: plan.dynamicErrs, which Load runs before fetching,
// finds secret-tagged fields or a Secret behind an interface at any depth
// of the fields Load walks past (inside slices, maps, pointers and
// structs), names the field and the type, ends on values that hold
// themselves, and finds nothing in plain values.
func TestDynamicErrs(t *testing.T) {
	t.Parallel()
	type withAny struct {
		A string `secret:"/a"`
		X any
	}
	type withStringer struct{ X fmt.Stringer }
	type withSlice struct{ X []any }
	type withMap struct{ X *map[string]any }
	type underPtr struct {
		Opt *struct{ X any }
	}
	type recursive struct {
		X    any
		Next *recursive
	}
	inner := &dynInner{}
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	cyclicSlice := []any{nil}
	cyclicSlice[0] = cyclicSlice
	type node struct{ Next any }
	deep := any(nil)
	for range 100000 {
		deep = &node{Next: deep}
	}
	cases := []struct {
		name  string
		dst   any
		inErr []string // nil: no error
	}{
		{"any holding a pointer", &withAny{X: &dynInner{}}, []string{"withAny.X", "*vaultly.dynInner"}},
		{"any holding a value", &withAny{X: dynInner{}}, []string{"withAny.X", "vaultly.dynInner"}},
		{"any holding a pointer to a pointer", &withAny{X: &inner}, []string{"**vaultly.dynInner"}},
		{"any holding a nil pointer to tagged fields", &withAny{X: (*dynInner)(nil)}, []string{"*vaultly.dynInner"}},
		{"any holding a Secret", &withAny{X: Secret[string]{}}, []string{"vaultly.Secret[string]"}},
		{"any holding a struct with an any", &withAny{X: struct{ Y any }{Y: &dynInner{}}}, []string{"withAny.X", "*vaultly.dynInner"}},
		{"Stringer", &withStringer{X: dynStringer{}}, []string{"withStringer.X", "vaultly.dynStringer"}},
		{"slice of any", &withSlice{X: []any{1, "a", &dynInner{}}}, []string{"withSlice.X"}},
		{"pointer to a map of any, deep", &withMap{X: &map[string]any{"a": map[string]any{"b": []any{&dynInner{}}}}}, []string{"withMap.X"}},
		{"map key", &withAny{X: map[any]int{dynInner{}: 1}}, []string{"withAny.X"}},
		{"under a pointer to a struct", &underPtr{Opt: &struct{ X any }{X: &dynInner{}}}, []string{"underPtr.Opt.X"}},
		{"recursive type", &recursive{X: &dynInner{}}, []string{"recursive.X"}},
		{"recursive type, further down", &recursive{Next: &recursive{Next: &recursive{X: &dynInner{}}}}, []string{"recursive.Next"}},

		{"any holding plain data", &withAny{X: map[string]any{"a": 1.0, "b": []any{"c"}}}, nil},
		{"any holding a struct without tags", &withAny{X: &dynPlain{Host: "h", Next: &dynPlain{}}}, nil},
		{"nil any", &withAny{}, nil},
		{"a map that holds itself", &withAny{X: cyclic}, nil},
		{"a slice that holds itself", &withAny{X: cyclicSlice}, nil},
		{"a deep list", &withAny{X: deep}, nil},
		{"nil pointer on the way", &underPtr{}, nil},
		{"recursive, nil interface", &recursive{Next: &recursive{}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := reflect.ValueOf(tc.dst).Elem()
			p := planFor(root.Type())
			if len(p.errs) > 0 {
				t.Fatalf("plan errors: %v", p.errs)
			}
			err := errors.Join(p.dynamicErrs(root)...)
			if tc.inErr == nil {
				if err != nil {
					t.Fatalf("dynamicErrs = %v", err)
				}
				return
			}
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("dynamicErrs = %v, want ErrConfig", err)
			}
			for _, s := range tc.inErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("err %q does not contain %q", err, s)
				}
			}
		})
	}
}
