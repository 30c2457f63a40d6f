package vaultly_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/mock"
)

type stageName string

func (s stageName) String() string { return "stage-" + string(s) }

// TestLoadConfigErrors checks that every malformed tag, template, variable,
// type and destination is an ErrConfig error naming the field and the
// offending text, and that nothing is fetched.
func TestLoadConfigErrors(t *testing.T) {
	t.Parallel()
	type Inner struct {
		X string `secret:"/x/<nope>"`
	}
	type hidden struct {
		Y string `secret:"/y"`
	}
	cases := []struct {
		name  string
		dst   any
		opts  []vaultly.Option
		inErr []string // the field path and the offending text
	}{
		// Tag grammar.
		{"empty tag", &struct {
			A string `secret:""`
		}{}, nil, []string{"struct.A", "empty secret tag"}},
		{"blank tag", &struct {
			A string `secret:"  "`
		}{}, nil, []string{"struct.A", "empty secret tag"}},
		{"unknown option", &struct {
			A string `secret:"/a,tll=5m"`
		}{}, nil, []string{"struct.A", `unknown option "tll"`}},
		{"option case matters", &struct {
			A string `secret:"/a,Optional"`
		}{}, nil, []string{`unknown option "Optional"`}},
		{"repeated option", &struct {
			A string `secret:"/a,ttl=1m,ttl=2m"`
		}{}, nil, []string{`option "ttl" given twice`}},
		{"repeated flag", &struct {
			A string `secret:"/a,optional,optional"`
		}{}, nil, []string{`option "optional" given twice`}},
		{"empty option", &struct {
			A string `secret:"/a,,optional"`
		}{}, nil, []string{"empty option"}},
		{"trailing comma", &struct {
			A string `secret:"/a,"`
		}{}, nil, []string{"empty option"}},
		{"ttl without value", &struct {
			A string `secret:"/a,ttl"`
		}{}, nil, []string{`option "ttl" needs a value`}},
		{"ttl malformed", &struct {
			A string `secret:"/a,ttl=5 minutes"`
		}{}, nil, []string{`invalid duration "5 minutes"`}},
		{"ttl negative", &struct {
			A string `secret:"/a,ttl=-1s"`
		}{}, nil, []string{`negative duration "-1s"`}},
		{"stale bound malformed", &struct {
			A string `secret:"/a,stale_on_error=soon"`
		}{}, nil, []string{`invalid duration "soon"`}},
		{"stale bound zero", &struct {
			A string `secret:"/a,stale_on_error=0s"`
		}{}, nil, []string{"bound must be positive"}},
		{"optional with value", &struct {
			A string `secret:"/a,optional=true"`
		}{}, nil, []string{`takes no value, got "optional=true"`}},
		{"version empty", &struct {
			A string `secret:"/a,version="`
		}{}, nil, []string{`option "version" needs a value`}},
		{"unknown encoding", &struct {
			A string `secret:"/a,encoding=rot13"`
		}{}, nil, []string{`unknown encoding "rot13"`}},
		{"path with spaces", &struct {
			A string `secret:" /a"`
		}{}, nil, []string{"leading or trailing spaces"}},
		// Template grammar.
		{"numeric var", &struct {
			A string `secret:"/a/<0>"`
		}{}, nil, []string{"struct.A", "<0>"}},
		{"dotted var", &struct {
			A string `secret:"/a/<a.b>"`
		}{}, nil, []string{"struct.A", "a.b"}},
		{"indexed var", &struct {
			A string `secret:"/a/<a[0]>"`
		}{}, nil, []string{"a[0]"}},
		{"empty var", &struct {
			A string `secret:"/a/<>/b"`
		}{}, nil, []string{"struct.A", "/a/<>/b"}},
		{"unclosed var", &struct {
			A string `secret:"/a/<stage"`
		}{}, nil, []string{"struct.A", "/a/<stage"}},
		// Template variables.
		{"var with no source", &struct {
			A string `secret:"/a/<stage>"`
		}{}, nil, []string{"struct.A", "stage"}},
		{"var in nested struct has no source", &struct {
			Stage string
			In    Inner
		}{Stage: "p"}, nil, []string{"struct.In.X", "nope"}},
		{"nested struct fields are not vars", &struct {
			In struct{ Stage string }
			A  string `secret:"/a/<stage>"`
		}{}, nil, []string{"struct.A", "stage"}},
		{"var value with slash", &struct {
			Tenant string
			A      string `secret:"/t/<tenant>/key"`
		}{Tenant: "a/b"}, nil, []string{"struct.A", "tenant", `"a/b"`}},
		{"var value dot-dot", &struct {
			Tenant string
			A      string `secret:"/t/<tenant>/key"`
		}{Tenant: ".."}, nil, []string{"struct.A", `".."`}},
		{"var value dot", &struct {
			Tenant string
			A      string `secret:"/t/<tenant>/key"`
		}{Tenant: "."}, nil, []string{"struct.A", `"."`}},
		{"var value empty", &struct {
			Tenant string
			A      string `secret:"/t/<tenant>/key"`
		}{}, nil, []string{"struct.A", "tenant", "empty"}},
		{"var from WithVars with slash", &struct {
			A string `secret:"/t/<tenant>/key"`
		}{}, []vaultly.Option{vaultly.WithVars(map[string]string{"tenant": "../root"})}, []string{"struct.A", `"../root"`}},
		{"two fields match one var", &struct {
			Stage string
			STAGE string
			A     string `secret:"/a/<stage>"`
		}{Stage: "a", STAGE: "b"}, nil, []string{"struct.A", "matches several fields: Stage, STAGE"}},
		{"stale_on_error on a plain field", &struct {
			A string `secret:"/a,stale_on_error"`
		}{}, nil, []string{"struct.A", "stale_on_error applies only to Secret fields"}},
		// Fields and types.
		{"unexported tagged field", &struct {
			a string `secret:"/a"`
		}{}, nil, []string{"struct.a", "unexported field"}},
		{"unexported struct holding tags", &struct{ h hidden }{}, nil, []string{"struct.h", "unexported struct"}},
		{"Secret without tag", &struct{ A vaultly.Secret[string] }{}, nil, []string{"struct.A", "needs a secret tag"}},
		{"pointer to Secret", &struct {
			A *vaultly.Secret[string] `secret:"/a"`
		}{}, nil, []string{"struct.A", "by value"}},
		{"unsupported type", &struct {
			A chan int `secret:"/a"`
		}{}, nil, []string{"struct.A", "unsupported type chan int"}},
		{"unsupported Secret type", &struct {
			A vaultly.Secret[func()] `secret:"/a"`
		}{}, nil, []string{"struct.A", "unsupported type func()"}},
		{"unsupported type inside JSON", &struct {
			A map[string]complex128 `secret:"/a"`
		}{}, nil, []string{"struct.A", "complex128"}},
		{"tagged field holding tags", &struct {
			A Inner `secret:"/a"`
		}{}, nil, []string{"struct.A", "cannot hold secret-tagged fields"}},
		{"slice of structs with tags", &struct{ S []Inner }{}, nil, []string{"struct.S", "not slices, arrays or maps"}},
		{"map of structs with tags", &struct{ M map[string]Inner }{}, nil, []string{"struct.M", "not slices, arrays or maps"}},
		{"array of structs with tags", &struct{ A [1]Inner }{}, nil, []string{"struct.A", "not slices, arrays or maps"}},
		{"slice of Secrets", &struct{ S []vaultly.Secret[string] }{}, nil, []string{"struct.S", "Secret values"}},
		{"Secret of Secret", &struct {
			A vaultly.Secret[vaultly.Secret[string]] `secret:"/a"`
		}{}, nil, []string{"struct.A", "cannot hold secret-tagged fields or Secret values"}},
		{"tagged map of Secrets", &struct {
			A map[string]vaultly.Secret[string] `secret:"/a"`
		}{}, nil, []string{"struct.A", "cannot hold"}},
		// Options.
		{"bad option", &struct {
			A string `secret:"/a"`
		}{}, []vaultly.Option{vaultly.WithConcurrency(0)}, []string{"WithConcurrency"}},
		{"bad jitter", &struct {
			A string `secret:"/a"`
		}{}, []vaultly.Option{vaultly.WithTTLJitter(1.5)}, []string{"WithTTLJitter"}},
		{"bad default ttl", &struct {
			A string `secret:"/a"`
		}{}, []vaultly.Option{vaultly.WithDefaultTTL(-time.Second)}, []string{"WithDefaultTTL"}},
		// Destinations.
		{"nil", nil, nil, []string{"non-nil pointer to a struct, got <nil>"}},
		{"non-pointer", struct{ A string }{}, nil, []string{"got struct"}},
		{"nil pointer", (*struct{ A string })(nil), nil, []string{"got *struct"}},
		{"pointer to non-struct", new(string), nil, []string{"got *string"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := mock.New(nil)
			err := vaultly.Load(tc.dst, b, tc.opts...)
			checkErr(t, err, []error{vaultly.ErrConfig}, tc.inErr)
			if calls := b.Calls(); len(calls) != 0 {
				t.Errorf("backend called on a config error: %v", calls)
			}
		})
	}
}

// TestLoadCollectsConfigErrors: one Load reports every malformed field.
func TestLoadCollectsConfigErrors(t *testing.T) {
	t.Parallel()
	var dst struct {
		A string `secret:"/a,ttl=x"`
		B string `secret:"/b/<>"`
		C string `secret:"/c,colour=red"`
		D string `secret:"/d"` // fine
	}
	err := vaultly.Load(&dst, mock.New(nil))
	checkErr(t, err, []error{vaultly.ErrConfig}, []string{"struct.A", "struct.B", "struct.C"})
	if strings.Contains(err.Error(), "struct.D") {
		t.Errorf("error names the valid field D: %v", err)
	}
	var fe *vaultly.FieldError
	if !errors.As(err, &fe) {
		t.Errorf("error is not a *FieldError: %T", err)
	}
}

// TestLoadReportsEveryStageAtOnce: tag errors, type errors and variable
// errors of one struct come back from one Load.
func TestLoadReportsEveryStageAtOnce(t *testing.T) {
	t.Parallel()
	var dst struct {
		Tag  string     `secret:"/a,ttl=soon"`
		Type chan int   `secret:"/b"`
		Var  string     `secret:"/c/<missing>"`
		OK   string     `secret:"/d"`
		Map  complex128 `secret:"/e"`
	}
	err := vaultly.Load(&dst, mock.New(nil))
	checkErr(t, err, []error{vaultly.ErrConfig}, []string{"struct.Tag", "struct.Type", "struct.Var", "struct.Map"})
}

// TestEmbeddedStructFillsTemplates: fields promoted from an embedded
// struct are variables; a root field of the same name wins, as in Go.
func TestEmbeddedStructFillsTemplates(t *testing.T) {
	t.Parallel()
	type Base struct {
		Stage  string
		Region string
	}
	var dst struct {
		Base
		Region string
		A      string `secret:"/<stage>/<region>/a"`
	}
	dst.Stage, dst.Base.Region, dst.Region = "prod", "hidden", "eu"
	b := mock.New(map[string]string{"/prod/eu/a": "ok"})
	if err := vaultly.Load(&dst, b); err != nil {
		t.Fatal(err)
	}
	if dst.A != "ok" {
		t.Errorf("A = %q", dst.A)
	}
}

// TestVarSources covers the kinds a root field may have to fill a template.
func TestVarSources(t *testing.T) {
	t.Parallel()
	var dst struct {
		Name  stageName // fmt.Stringer
		Shard uint8
		On    bool
		Ratio float64
		A     string `secret:"/<name>/<shard>/<on>/<ratio>"`
	}
	dst.Name, dst.Shard, dst.On, dst.Ratio = "blue", 7, true, 0.5
	b := mock.New(map[string]string{"/stage-blue/7/true/0.5": "ok"})
	if err := vaultly.Load(&dst, b); err != nil {
		t.Fatal(err)
	}
	if dst.A != "ok" {
		t.Errorf("A = %q, want ok", dst.A)
	}
}

func ExampleFieldError() {
	var cfg struct {
		Stage    string
		Password string `secret:"/db/<stage>/password"`
		Pool     int    `secret:"/db/<stage>/pool,ttl=forever"`
	}
	cfg.Stage = "prod"
	err := vaultly.Load(&cfg, mock.New(nil))
	fmt.Println(err)
	// Output:
	// vaultly: struct.Pool: configuration error: tag "/db/<stage>/pool,ttl=forever": option ttl: invalid duration "forever"
}

// TestNilInputs: nil options, a nil context and a nil *Secret are handled,
// not panics.
func TestNilInputs(t *testing.T) {
	t.Parallel()
	var cfg struct {
		A string `secret:"/a"`
	}
	b := mock.New(map[string]string{"/a": "x"})
	if err := vaultly.Load(&cfg, b, nil, vaultly.WithConcurrency(2), nil); err != nil || cfg.A != "x" {
		t.Errorf("Load with nil options = %v, %+v", err, cfg)
	}
	//lint:ignore SA1012 a nil context is the point of this check
	if err := vaultly.LoadContext(nil, &cfg, b); !errors.Is(err, vaultly.ErrConfig) {
		t.Errorf("LoadContext(nil ctx) = %v, want ErrConfig", err)
	}
	var s *vaultly.Secret[string]
	if _, err := s.Get(context.Background()); !errors.Is(err, vaultly.ErrConfig) {
		t.Errorf("nil *Secret Get = %v, want ErrConfig", err)
	}
	if err := vaultly.Load(&cfg, nil); !errors.Is(err, vaultly.ErrConfig) {
		t.Errorf("Load with a nil backend = %v, want ErrConfig", err)
	}
}
