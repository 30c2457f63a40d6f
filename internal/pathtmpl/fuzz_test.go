package pathtmpl_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/vaultly/vaultly/internal/pathtmpl"
)

// token is an independent statement of the grammar: at each '<', "<<" is a
// literal '<' and otherwise a Go identifier closed by '>' is a placeholder.
var token = regexp.MustCompile(`<<|<[\p{L}_][\p{L}\p{Nd}_]*>`)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"/db/<stage>/password", "/a/<<b>", "<<<a>>", "/<a.b>", "<>", "<", "", ">", "/<名前>/<x>",
		"<a><b><a>", "/<a\xff>", "<<<<", "/<0>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tmpl, err := pathtmpl.Parse(s)
		if err != nil {
			if tmpl != nil {
				t.Fatalf("Parse(%q) returned a template and an error", s)
			}
			if !strings.Contains(err.Error(), "at ") {
				t.Fatalf("Parse(%q) error without a position: %v", s, err)
			}
			return
		}
		if tmpl.String() != s {
			t.Fatalf("String() = %q, want %q", tmpl.String(), s)
		}
		again, err := pathtmpl.Parse(tmpl.String())
		if err != nil || again.String() != s || strings.Join(again.Vars(), ",") != strings.Join(tmpl.Vars(), ",") {
			t.Fatalf("Parse(String()) does not round-trip: %v", err)
		}
		got, err := tmpl.Render(func(string) (string, bool) { return "x", true })
		if err != nil {
			t.Fatalf("Render with every var set: %v", err)
		}
		// Every '<' of s is consumed by a token, so the only '<' left are
		// the literal ones from "<<".
		escapes := 0
		want := token.ReplaceAllStringFunc(s, func(tok string) string {
			if tok == "<<" {
				escapes++
				return "<"
			}
			return "x"
		})
		if got != want {
			t.Fatalf("Render(%q) = %q, want %q", s, got, want)
		}
		if n := strings.Count(got, "<"); n != escapes {
			t.Fatalf("Render(%q) = %q has %d '<', want %d (the literal ones)", s, got, n, escapes)
		}
		if tmpl.Static() != (len(tmpl.Vars()) == 0) {
			t.Fatalf("Static() = %v with Vars %v", tmpl.Static(), tmpl.Vars())
		}
	})
}
