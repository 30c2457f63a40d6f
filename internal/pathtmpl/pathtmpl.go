// Package pathtmpl parses, validates and renders secret path templates.
//
// A template is text with <name> placeholders, name being a Go identifier
// (a Unicode letter or '_', then letters, digits or '_'). "<<" is a literal
// '<'; a '>' outside a placeholder is literal. For example
// "/db/<stage>/password" has one variable, stage, and "/a/<<b>" is the
// static path "/a/<b>".
//
// Parse checks everything that can be checked without values, so that a
// typo fails when the config is loaded, not on first use. Render checks the
// values: a value must not be empty, contain '/' or ':', or be "." or "..", so that
// a variable can never walk the secret tree.
package pathtmpl

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Template is a parsed path template. It is immutable and safe for
// concurrent use.
type Template struct {
	raw    string
	parts  []part
	vars   []string
	static string // the rendered text when there are no variables
}

// part is a literal (name == "") or a placeholder.
type part struct {
	lit  string
	name string
	pos  int // byte offset of the '<' in the raw text, for errors
}

// Parse parses s. Errors are *Error and give the offending text and its
// byte offset.
func Parse(s string) (*Template, error) {
	if s == "" {
		return nil, &Error{Template: s, Pos: 0, Msg: "empty template", Err: ErrSyntax}
	}
	t := &Template{raw: s}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t.parts = append(t.parts, part{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '<')
		if j < 0 {
			lit.WriteString(s[i:])
			break
		}
		lit.WriteString(s[i : i+j])
		i += j // s[i] == '<'
		if i+1 < len(s) && s[i+1] == '<' {
			lit.WriteByte('<')
			i += 2
			continue
		}
		end := strings.IndexByte(s[i+1:], '>')
		if end < 0 {
			return nil, &Error{Template: s, Pos: i, Msg: "unclosed placeholder " + quote(s[i:]), Err: ErrSyntax}
		}
		name := s[i+1 : i+1+end]
		switch {
		case name == "":
			return nil, &Error{Template: s, Pos: i, Msg: "empty placeholder \"<>\"", Err: ErrSyntax}
		case !isIdent(name):
			return nil, &Error{Template: s, Pos: i, Msg: "invalid variable name " + quote(name), Err: ErrSyntax}
		}
		flush()
		t.parts = append(t.parts, part{name: name, pos: i})
		if !contains(t.vars, name) {
			t.vars = append(t.vars, name)
		}
		i += end + 2
	}
	flush()
	if len(t.vars) == 0 {
		for _, p := range t.parts {
			t.static += p.lit
		}
	}
	return t, nil
}

// isIdent reports whether name is a Go identifier.
func isIdent(name string) bool {
	for i, r := range name {
		if r == utf8.RuneError {
			return false
		}
		if r == '_' || unicode.IsLetter(r) || (i > 0 && unicode.IsDigit(r)) {
			continue
		}
		return false
	}
	return name != ""
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Vars returns the distinct variable names, in order of first appearance.
// The slice is a copy.
func (t *Template) Vars() []string {
	return append([]string(nil), t.vars...)
}

// Static reports whether the template has no variables; Render then
// returns the same text whatever lookup says.
func (t *Template) Static() bool { return len(t.vars) == 0 }

// String returns the template text as it was parsed.
func (t *Template) String() string { return t.raw }

// Render substitutes every placeholder with lookup(name). A name lookup
// does not know is an *Error matching ErrNoValue; a value that is empty,
// contains '/' or ':', or is "." or ".." is an *Error matching ErrBadValue, which
// quotes the value (template values are names, not secrets).
func (t *Template) Render(lookup func(name string) (string, bool)) (string, error) {
	if len(t.vars) == 0 {
		return t.static, nil
	}
	var buf [8]string
	vals, n, err := t.values(buf[:0], lookup)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(n)
	k := 0
	for _, p := range t.parts {
		if p.name == "" {
			b.WriteString(p.lit)
			continue
		}
		b.WriteString(vals[k])
		k++
	}
	return b.String(), nil
}

// AppendRender is Render appending the path to dst, so that a caller
// rendering many templates can put every path in one buffer. On error dst
// is returned unchanged.
func (t *Template) AppendRender(dst []byte, lookup func(name string) (string, bool)) ([]byte, error) {
	var buf [8]string
	vals, _, err := t.values(buf[:0], lookup)
	if err != nil {
		return dst, err
	}
	k := 0
	for _, p := range t.parts {
		if p.name == "" {
			dst = append(dst, p.lit...)
			continue
		}
		dst = append(dst, vals[k]...)
		k++
	}
	return dst, nil
}

// values looks up and checks the value of every placeholder, in order,
// appending them to vals; n is the length of the rendered path.
func (t *Template) values(vals []string, lookup func(name string) (string, bool)) (_ []string, n int, _ error) {
	for _, p := range t.parts {
		if p.name == "" {
			n += len(p.lit)
			continue
		}
		v, ok := lookup(p.name)
		if !ok {
			return nil, 0, &Error{Template: t.raw, Pos: p.pos, Msg: "no value for <" + p.name + ">", Err: ErrNoValue}
		}
		if why := badValue(v); why != "" {
			return nil, 0, &Error{Template: t.raw, Pos: p.pos,
				Msg: "bad value " + quote(v) + " for <" + p.name + ">: " + why, Err: ErrBadValue}
		}
		vals = append(vals, v)
		n += len(v)
	}
	return vals, n, nil
}

// CheckValue says why v cannot be the value of a variable, or "" when it
// can: Render refuses a value that is empty, contains '/' or ':', or is
// "." or "..". It lets a caller check one variable once for the many
// templates that use it.
func CheckValue(v string) string { return badValue(v) }

// badValue says why v cannot stand in a path segment, or "" when it can.
func badValue(v string) string {
	switch {
	case v == "":
		return "empty"
	case v == "." || v == "..":
		return "a relative path element"
	case strings.Contains(v, "/"):
		return "contains \"/\""
	case strings.Contains(v, ":"):
		// ':' selects an SSM version or label and a Vault KV key: a
		// variable must not be able to pick either.
		return "contains \":\""
	}
	return ""
}
