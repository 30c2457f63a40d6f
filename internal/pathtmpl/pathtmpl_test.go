package pathtmpl_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultly/vaultly/internal/pathtmpl"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		vars   []string
		static bool
		render string // with every var = "V"
	}{
		{in: "/db/prod/password", vars: nil, static: true, render: "/db/prod/password"},
		{in: "/db/<stage>/password", vars: []string{"stage"}, render: "/db/V/password"},
		{in: "<a>", vars: []string{"a"}, render: "V"},
		{in: "/<a>/<b>/<a>", vars: []string{"a", "b"}, render: "/V/V/V"},
		{in: "/<b><a>", vars: []string{"b", "a"}, render: "/VV"},
		{in: "/<_x9>/<Ünï_2>/<名前>", vars: []string{"_x9", "Ünï_2", "名前"}, render: "/V/V/V"},
		{in: "/a/<<b>", vars: nil, static: true, render: "/a/<b>"},
		{in: "<<", vars: nil, static: true, render: "<"},
		{in: "<<<a>", vars: []string{"a"}, render: "<V"},
		{in: "<<<<", vars: nil, static: true, render: "<<"},
		{in: "/a>b>", vars: nil, static: true, render: "/a>b>"},
		{in: "><a>>", vars: []string{"a"}, render: ">V>"},
		{in: "/a<<b<<c", vars: nil, static: true, render: "/a<b<c"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			tmpl, err := pathtmpl.Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.vars, tmpl.Vars()); diff != "" {
				t.Errorf("Vars (-want +got):\n%s", diff)
			}
			if got := tmpl.Static(); got != tt.static {
				t.Errorf("Static = %v, want %v", got, tt.static)
			}
			if got := tmpl.String(); got != tt.in {
				t.Errorf("String = %q, want %q", got, tt.in)
			}
			got, err := tmpl.Render(func(string) (string, bool) { return "V", true })
			if err != nil || got != tt.render {
				t.Errorf("Render = %q, %v; want %q", got, err, tt.render)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		pos  int
		want string
	}{
		{in: "/db/<a.b>/x", pos: 4, want: `template "/db/<a.b>/x": at byte 4: invalid variable name "a.b"`},
		{in: "/db/<0>/x", pos: 4, want: `template "/db/<0>/x": at byte 4: invalid variable name "0"`},
		{in: "<9lives>", pos: 0, want: `template "<9lives>": at byte 0: invalid variable name "9lives"`},
		{in: "/<a[0]>", pos: 1, want: `template "/<a[0]>": at byte 1: invalid variable name "a[0]"`},
		{in: "/<a-b>", pos: 1, want: `template "/<a-b>": at byte 1: invalid variable name "a-b"`},
		{in: "/< a>", pos: 1, want: `template "/< a>": at byte 1: invalid variable name " a"`},
		{in: "/x/<>/y", pos: 3, want: `template "/x/<>/y": at byte 3: empty placeholder "<>"`},
		{in: "/db/<stage/password", pos: 4, want: `template "/db/<stage/password": at byte 4: unclosed placeholder "<stage/password"`},
		{in: "/ok/<a>/<", pos: 8, want: `template "/ok/<a>/<": at byte 8: unclosed placeholder "<"`},
		{in: "/<a<b>", pos: 1, want: `template "/<a<b>": at byte 1: invalid variable name "a<b"`},
		{in: "/<a\xff>", pos: 1, want: `template "/<a\xff>": at byte 1: invalid variable name "a\xff"`},
		{in: "", pos: 0, want: `template "": at byte 0: empty template`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			tmpl, err := pathtmpl.Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want an error", tt.in, tmpl)
			}
			var e *pathtmpl.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *pathtmpl.Error", err)
			}
			if e.Template != tt.in || e.Pos != tt.pos {
				t.Errorf("Template, Pos = %q, %d; want %q, %d", e.Template, e.Pos, tt.in, tt.pos)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("Error() = %s\nwant      %s", got, tt.want)
			}
			if !errors.Is(err, pathtmpl.ErrSyntax) {
				t.Errorf("error does not match ErrSyntax")
			}
		})
	}
}

func TestRender(t *testing.T) {
	t.Parallel()
	vars := map[string]string{
		"stage": "prod", "tenant": "acme", "empty": "", "slash": "a/b", "colon": "acme:1",
		"dot": ".", "dotdot": "..", "dots": "...", "dotted": "a.b", "space": "a b",
	}
	lookup := func(name string) (string, bool) { v, ok := vars[name]; return v, ok }
	tests := []struct {
		tmpl    string
		want    string
		wantErr error
		msg     string
	}{
		{tmpl: "/db/<stage>/password", want: "/db/prod/password"},
		{tmpl: "/<tenant>/<stage>/<tenant>", want: "/acme/prod/acme"},
		{tmpl: "/x/<dots>/<dotted>/<space>", want: "/x/.../a.b/a b"},
		{tmpl: "/<<<stage>>", want: "/<prod>"},
		{tmpl: "/db/<region>/x", wantErr: pathtmpl.ErrNoValue,
			msg: `template "/db/<region>/x": at byte 4: no value for <region>`},
		{tmpl: "/db/<empty>", wantErr: pathtmpl.ErrBadValue,
			msg: `template "/db/<empty>": at byte 4: bad value "" for <empty>: empty`},
		{tmpl: "/db/<slash>", wantErr: pathtmpl.ErrBadValue,
			msg: `template "/db/<slash>": at byte 4: bad value "a/b" for <slash>: contains "/"`},
		{tmpl: "/db/<colon>", wantErr: pathtmpl.ErrBadValue,
			msg: `template "/db/<colon>": at byte 4: bad value "acme:1" for <colon>: contains ":"`},
		{tmpl: "/db/<dot>", wantErr: pathtmpl.ErrBadValue,
			msg: `template "/db/<dot>": at byte 4: bad value "." for <dot>: a relative path element`},
		{tmpl: "/db/<stage>/<dotdot>", wantErr: pathtmpl.ErrBadValue,
			msg: `template "/db/<stage>/<dotdot>": at byte 12: bad value ".." for <dotdot>: a relative path element`},
	}
	for _, tt := range tests {
		t.Run(tt.tmpl, func(t *testing.T) {
			t.Parallel()
			tmpl, err := pathtmpl.Parse(tt.tmpl)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tmpl.Render(lookup)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Render = %q, %v; want error %v", got, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("Render = %q, want %q", got, tt.want)
			}
			if tt.msg != "" {
				if err.Error() != tt.msg {
					t.Errorf("Error() = %s\nwant      %s", err, tt.msg)
				}
				other := pathtmpl.ErrNoValue
				if tt.wantErr == pathtmpl.ErrNoValue {
					other = pathtmpl.ErrBadValue
				}
				if errors.Is(err, other) {
					t.Errorf("error also matches %v", other)
				}
			}
		})
	}
}

func TestRenderStaticIgnoresLookup(t *testing.T) {
	t.Parallel()
	tmpl, err := pathtmpl.Parse("/a/<<b>")
	if err != nil {
		t.Fatal(err)
	}
	called := false
	got, err := tmpl.Render(func(string) (string, bool) { called = true; return "", false })
	if got != "/a/<b>" || err != nil || called {
		t.Errorf("Render = %q, %v, lookup called %v", got, err, called)
	}
}

func TestVarsIsCopy(t *testing.T) {
	t.Parallel()
	tmpl, err := pathtmpl.Parse("/<a>")
	if err != nil {
		t.Fatal(err)
	}
	tmpl.Vars()[0] = "changed"
	if got := tmpl.Vars()[0]; got != "a" {
		t.Errorf("Vars()[0] = %q after the caller changed its copy", got)
	}
}

func TestRenderAllocs(t *testing.T) {
	tmpl, err := pathtmpl.Parse("/db/<stage>/<tenant>/password")
	if err != nil {
		t.Fatal(err)
	}
	lookup := func(name string) (string, bool) { return name, true }
	allocs := testing.AllocsPerRun(100, func() { _, _ = tmpl.Render(lookup) })
	if allocs > 1 {
		t.Errorf("Render allocates %v times, want at most 1 (the result)", allocs)
	}
}

func BenchmarkRender(b *testing.B) {
	tmpl, err := pathtmpl.Parse("/db/<stage>/<tenant>/password")
	if err != nil {
		b.Fatal(err)
	}
	lookup := func(name string) (string, bool) { return name, true }
	b.ReportAllocs()
	for b.Loop() {
		_, _ = tmpl.Render(lookup)
	}
}

// TestCheckValue: CheckValue refuses exactly the values Render refuses.
func TestCheckValue(t *testing.T) {
	t.Parallel()
	tmpl, err := pathtmpl.Parse("/a/<v>/b")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ v, why string }{
		{"prod", ""}, {"", "empty"}, {".", "a relative path element"}, {"..", "a relative path element"},
		{"a/b", `contains "/"`}, {"a:1", `contains ":"`}, {"...", ""}, {"a b", ""},
	} {
		got := pathtmpl.CheckValue(tt.v)
		_, rerr := tmpl.Render(func(string) (string, bool) { return tt.v, true })
		if got != tt.why || (got == "") != (rerr == nil) {
			t.Errorf("CheckValue(%q) = %q, want %q; Render error %v", tt.v, got, tt.why, rerr)
		}
	}
}
