package vaultly_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

// loadNoPanic is vaultly.Load that turns a panic into a test failure, so
// that one case that panics does not hide the others.
func loadNoPanic(t *testing.T, dst any, b vaultly.Backend, opts ...vaultly.Option) (err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("Load panicked: %v", r)
			err = errors.New("panicked")
		}
	}()
	return vaultly.Load(dst, b, opts...)
}

// TestWithVarsKeysDifferingInCase: two WithVars keys that match one
// template variable (names match case-insensitively) are a configuration
// error from New, naming both keys and neither value; they used to pick
// one at random per Load. One key given twice is not a conflict: the
// later call wins, as for every option.
func TestWithVarsKeysDifferingInCase(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		opts    []vaultly.Option
		inErr   []string // nil: no error
		wantVal string   // the value that fills <stage> when there is no error
	}{
		{"one call", []vaultly.Option{
			vaultly.WithVars(map[string]string{"Stage": "value-one", "stage": "value-two"}),
		}, []string{"WithVars", `"Stage", "stage"`, "case"}, ""},
		{"across calls", []vaultly.Option{
			vaultly.WithVars(map[string]string{"Stage": "value-one"}),
			vaultly.WithVars(map[string]string{"stage": "value-two"}),
		}, []string{"WithVars", `"Stage", "stage"`, "case"}, ""},
		{"three spellings", []vaultly.Option{
			vaultly.WithVars(map[string]string{"STAGE": "value-one", "Stage": "value-two", "stage": "value-three"}),
		}, []string{`"STAGE", "Stage", "stage"`}, ""},
		{"across calls, other variables too", []vaultly.Option{
			vaultly.WithVars(map[string]string{"region": "eu", "Stage": "value-one"}),
			vaultly.WithVars(map[string]string{"REGION": "us"}),
		}, []string{`"region", "REGION"`}, ""},
		{"one key twice: the later call wins", []vaultly.Option{
			vaultly.WithVars(map[string]string{"Stage": "value-one"}),
			vaultly.WithVars(map[string]string{"Stage": "value-two"}),
		}, nil, "value-two"},
		{"one spelling each", []vaultly.Option{
			vaultly.WithVars(map[string]string{"Stage": "value-one", "region": "eu"}),
		}, nil, "value-one"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := mock.New(map[string]string{"/value-one": "1", "/value-two": "2"})
			_, err := vaultly.New(b, tc.opts...)
			var dst struct {
				A string `secret:"/<stage>"`
			}
			loadErr := loadNoPanic(t, &dst, b, tc.opts...)
			if tc.inErr == nil {
				if err != nil || loadErr != nil {
					t.Fatalf("New = %v, Load = %v", err, loadErr)
				}
				if want := map[string]string{"value-one": "1", "value-two": "2"}[tc.wantVal]; dst.A != want {
					t.Errorf("A = %q, want %q", dst.A, want)
				}
				return
			}
			for _, e := range []error{err, loadErr} {
				if !errors.Is(e, vaultly.ErrConfig) {
					t.Fatalf("err = %v, want ErrConfig", e)
				}
				for _, s := range tc.inErr {
					if !strings.Contains(e.Error(), s) {
						t.Errorf("err %q does not contain %q", e, s)
					}
				}
				if n := strings.Count(e.Error(), "WithVars"); n != 1 {
					t.Errorf("err %q: %d messages, want one per variable", e, n)
				}
				if strings.Contains(e.Error(), "value-") {
					t.Errorf("err %q prints a value", e)
				}
			}
			if len(b.Calls()) != 0 {
				t.Errorf("backend called %d times", len(b.Calls()))
			}
		})
	}
}

// derefStringer's String reads through its pointer: it panics on nil.
type derefStringer struct{ name string }

func (s *derefStringer) String() string { return s.name }

// valueStringer has a value receiver: calling it through a nil
// *valueStringer panics in the method wrapper.
type valueStringer struct{ name string }

func (s valueStringer) String() string { return s.name }

// derefMarshaler's MarshalText panics on nil.
type derefMarshaler struct{ name string }

func (m *derefMarshaler) MarshalText() ([]byte, error) { return []byte(m.name), nil }

// nilSafeStringer handles a nil receiver.
type nilSafeStringer struct{ name string }

func (s *nilSafeStringer) String() string {
	if s == nil {
		return "default"
	}
	return s.name
}

// panicStringer panics on every value.
type panicStringer string

func (panicStringer) String() string { panic("boom") }

// TestNilInterfaceVariable: a root template variable of interface or
// pointer type that is nil, or whose String or MarshalText panics, is an
// ErrConfig error naming the tagged field, the root field and the
// variable; never a panic. A nil pointer whose method handles nil fills
// the template with what the method returns.
func TestNilInterfaceVariable(t *testing.T) {
	t.Parallel()
	type stringerRoot struct {
		Stage fmt.Stringer
		A     string `secret:"/<stage>/a"`
	}
	type marshalerRoot struct {
		Stage interface{ MarshalText() ([]byte, error) }
		A     string `secret:"/<stage>/a"`
	}
	type ptrRoot struct {
		Stage *derefStringer
		A     string `secret:"/<stage>/a"`
	}
	type nilSafeRoot struct {
		Stage *nilSafeStringer
		A     string `secret:"/<stage>/a"`
	}
	cases := []struct {
		name  string
		dst   any
		inErr []string // nil: loads /default/a
	}{
		{"nil pointer whose String derefs", &stringerRoot{Stage: (*derefStringer)(nil)}, []string{"nil"}},
		{"nil pointer, value receiver", &stringerRoot{Stage: (*valueStringer)(nil)}, []string{"nil"}},
		{"nil pointer whose MarshalText derefs", &marshalerRoot{Stage: (*derefMarshaler)(nil)}, []string{"nil"}},
		{"nil pointer whose String handles nil", &stringerRoot{Stage: (*nilSafeStringer)(nil)}, nil},
		{"nil pointer field whose String handles nil", &nilSafeRoot{}, nil},
		{"nil interface", &stringerRoot{}, []string{"nil"}},
		{"String panics", &stringerRoot{Stage: panicStringer("x")}, []string{"String", "panicked"}},
		{"nil pointer field whose String derefs", &ptrRoot{}, []string{"nil"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := mock.New(map[string]string{"/default/a": "x", "/<nil>/a": "x", "//a": "x"})
			err := loadNoPanic(t, tc.dst, b)
			if tc.inErr == nil {
				if err != nil {
					t.Fatalf("Load = %v", err)
				}
				if got := b.Calls(); len(got) != 1 || got[0].Path != "/default/a" {
					t.Errorf("fetched %v, want /default/a", got)
				}
				return
			}
			if !errors.Is(err, vaultly.ErrConfig) {
				t.Fatalf("Load = %v, want ErrConfig", err)
			}
			for _, s := range append([]string{"Root.A:", "Stage", "<stage>"}, tc.inErr...) {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("err %q does not contain %q", err, s)
				}
			}
			if len(b.Calls()) != 0 {
				t.Errorf("backend called %d times", len(b.Calls()))
			}
		})
	}
	// A non-nil value behind the interface still works.
	dst := stringerRoot{Stage: &derefStringer{name: "prod"}}
	if err := vaultly.Load(&dst, mock.New(map[string]string{"/prod/a": "ok"})); err != nil || dst.A != "ok" {
		t.Errorf("Load = %v, A = %q", err, dst.A)
	}
}
