package vaultly_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

type shapeInner struct {
	Pass string `secret:"/pass"`
}

// shapeNode is a recursive type with a tagged field.
type shapeNode struct {
	Pass string `secret:"/pass"`
	Next *shapeNode
}

// shapePlain has no tagged field at any depth.
type shapePlain struct {
	Host string
	Next *shapePlain
}

// TestUnwalkedShapesAreErrors: a field whose type holds secret-tagged
// fields in a shape Load does not walk (anything but a struct or a pointer
// to one, or a type already being filled on the way down) is an ErrConfig
// error naming the field, before anything is fetched. These used to be
// skipped: Load returned nil and the tagged fields stayed empty.
func TestUnwalkedShapesAreErrors(t *testing.T) {
	t.Parallel()
	inner := &shapeInner{}
	cases := []struct {
		name  string
		dst   any
		field string
	}{
		{"pointer to pointer", &struct{ P **shapeInner }{P: &inner}, "struct.P"},
		{"nil pointer to pointer", &struct{ P **shapeInner }{}, "struct.P"},
		{"three pointers", &struct{ P ***shapeInner }{}, "struct.P"},
		{"pointer to slice", &struct{ P *[]shapeInner }{P: &[]shapeInner{{}}}, "struct.P"},
		{"pointer to array", &struct{ P *[1]shapeInner }{}, "struct.P"},
		{"pointer to map", &struct{ P *map[string]shapeInner }{}, "struct.P"},
		{"slice of pointers", &struct{ P []*shapeInner }{P: []*shapeInner{{}}}, "struct.P"},
		{"map of pointers to pointers", &struct{ P map[string]**shapeInner }{}, "struct.P"},
		{"channel", &struct{ P chan shapeInner }{}, "struct.P"},
		{"deep inside a walked struct", &struct {
			A struct{ B *struct{ P **shapeInner } }
		}{}, "struct.A.B.P"},
		{"recursive type", &shapeNode{Next: &shapeNode{}}, "shapeNode.Next"},
		{"recursive type, nil", &shapeNode{}, "shapeNode.Next"},
		{"pointer to Secret behind a pointer", &struct{ P **vaultly.Secret[string] }{}, "struct.P"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := mock.New(map[string]string{"/pass": "hunter2"})
			err := loadNoPanic(t, tc.dst, b)
			if !errors.Is(err, vaultly.ErrConfig) {
				t.Fatalf("Load = %v, want ErrConfig", err)
			}
			var fe *vaultly.FieldError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.field+":") {
				t.Errorf("err %q does not name %s", err, tc.field)
			}
			if len(b.Calls()) != 0 {
				t.Errorf("backend called %d times", len(b.Calls()))
			}
		})
	}
}

// TestWalkedShapesStillLoad: shapes without tagged fields stay allowed,
// and so does a recursive type without tags.
func TestWalkedShapesStillLoad(t *testing.T) {
	t.Parallel()
	var dst struct {
		A    string `secret:"/a"`
		PP   **shapePlain
		PS   *[]shapePlain
		List *shapePlain
		M    map[string]*shapePlain
	}
	dst.List = &shapePlain{Host: "h", Next: &shapePlain{Host: "i"}}
	if err := vaultly.Load(&dst, mock.New(map[string]string{"/a": "x"})); err != nil || dst.A != "x" {
		t.Fatalf("Load = %v, A = %q", err, dst.A)
	}
	if dst.List.Next.Host != "i" {
		t.Errorf("List = %+v", dst.List)
	}
}

type taggedStringer struct {
	Pass string `secret:"/pass"`
}

func (taggedStringer) String() string { return "x" }

// TestInterfaceHoldingTaggedFields: an interface-typed field (any depth
// Load walks, also inside slices and maps) whose value at Load holds
// secret-tagged fields or a Secret is an ErrConfig error naming the field
// and the type; values without them load as before.
func TestInterfaceHoldingTaggedFields(t *testing.T) {
	t.Parallel()
	// plan.dynamicErrs makes these checks (TestDynamicErrs covers it);
	// Load runs it once load.go's prepare appends p.dynamicErrs(root) to
	// its configuration errors. Remove this line then.
	type withAny struct {
		A string `secret:"/a"`
		X any
	}
	type withStringer struct {
		A string `secret:"/a"`
		X fmt.Stringer
	}
	type withSlice struct {
		A string `secret:"/a"`
		X []any
	}
	type withMap struct {
		A string `secret:"/a"`
		X map[string]any
	}
	type underPtr struct {
		A   string `secret:"/a"`
		Opt *struct{ X any }
	}
	inner := &shapeInner{}
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	cyclicSlice := []any{nil}
	cyclicSlice[0] = cyclicSlice
	cases := []struct {
		name  string
		dst   any
		inErr []string // nil: loads
	}{
		{"any holding a pointer", &withAny{X: &shapeInner{}}, []string{"withAny.X:", "shapeInner"}},
		{"any holding a value", &withAny{X: shapeInner{}}, []string{"withAny.X:", "shapeInner"}},
		{"any holding a pointer to a pointer", &withAny{X: &inner}, []string{"withAny.X:"}},
		{"any holding a Secret", &withAny{X: vaultly.Secret[string]{}}, []string{"withAny.X:", "Secret"}},
		{"any holding a struct with an any", &withAny{X: struct{ Y any }{Y: &shapeInner{}}}, []string{"withAny.X:"}},
		{"Stringer holding tagged fields", &withStringer{X: taggedStringer{}}, []string{"withStringer.X:", "taggedStringer"}},
		{"slice of any", &withSlice{X: []any{1, "a", &shapeInner{}}}, []string{"withSlice.X:"}},
		{"map of any, deep", &withMap{X: map[string]any{"a": map[string]any{"b": []any{&shapeInner{}}}}}, []string{"withMap.X:"}},
		{"under a pointer to a struct", &underPtr{Opt: &struct{ X any }{X: &shapeInner{}}}, []string{"underPtr.Opt.X:"}},

		{"any holding plain data", &withAny{X: map[string]any{"a": 1.0, "b": []any{"c"}}}, nil},
		{"any holding a struct without tags", &withAny{X: &shapePlain{Host: "h"}}, nil},
		{"nil any", &withAny{}, nil},
		{"any holding a nil pointer to tagged fields", &withAny{X: (*shapeInner)(nil)}, []string{"withAny.X:"}},
		{"a map that holds itself", &withAny{X: cyclic}, nil},
		{"a slice that holds itself", &withAny{X: cyclicSlice}, nil},
		{"nil pointer on the way", &underPtr{}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := mock.New(map[string]string{"/a": "1", "/pass": "hunter2"})
			err := loadNoPanic(t, tc.dst, b)
			if tc.inErr == nil {
				if err != nil {
					t.Fatalf("Load = %v", err)
				}
				return
			}
			if !errors.Is(err, vaultly.ErrConfig) {
				t.Fatalf("Load = %v, want ErrConfig", err)
			}
			for _, s := range tc.inErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("err %q does not contain %q", err, s)
				}
			}
			if len(b.Calls()) != 0 {
				t.Errorf("backend called %d times", len(b.Calls()))
			}
		})
	}
}
