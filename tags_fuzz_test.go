package vaultly

import (
	"strings"
	"testing"
)

// FuzzParseTag: the tag parser never panics, a tag it accepts has a path
// template and options that survive a second parse of the same text, and
// redactTag of an accepted tag with a default is the same tag with the
// default "…".
func FuzzParseTag(f *testing.F) {
	for _, s := range []string{
		"/db/<stage>/password,ttl=5m,stale_on_error",
		"/a,stale_on_error=10m,version=3,optional,encoding=base64",
		"/a/<<literal>,encoding=hex",
		"", ",", "/a,,", "/a,ttl=-1s", "/a/<a.b>", "/a/<", "/a,optional=1", "/a,ttl=1m,ttl=2m",
		"/a,default=5", "/a,default='a,b',public", "/a, default = 'x''y' ,ttl=1m", "/a,default='",
		"/a,default=''''", "/a,default='x'y", "/a,default=x'y,z", "/a,public,default=", "/a,default=1,optional",
		"/db,key=password,optional", "/a/,prefix,max=10", "/a,prefix,key=x", "/a,max=3", "/creds,lease,ttl=1h",
		"/a,lease,version=2", "/a,key= x", "/a,prefix,max=0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tag string) {
		spec, err := parseTag(tag)
		redacted := redactTag(tag)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("empty error for %q", tag)
			}
			return
		}
		if spec.tmpl == nil {
			t.Fatalf("accepted %q without a template", tag)
		}
		if spec.ttl < 0 || spec.staleMax < 0 {
			t.Fatalf("accepted negative duration in %q", tag)
		}
		if spec.hasDef && spec.optional {
			t.Fatalf("accepted default with optional in %q", tag)
		}
		if spec.prefix && (spec.key != "" || spec.version != "" || spec.lease || spec.hasDef) ||
			spec.lease && (spec.key != "" || spec.version != "") || spec.max < 0 || spec.max > 0 && !spec.prefix {
			t.Fatalf("accepted options that exclude each other in %q", tag)
		}
		path, _, _ := strings.Cut(tag, ",")
		if spec.tmpl.String() != path {
			t.Fatalf("template %q, want %q", spec.tmpl.String(), path)
		}
		again, err := parseTag(tag)
		if err != nil || again.ttl != spec.ttl || again.version != spec.version || again.optional != spec.optional ||
			again.def != spec.def || again.hasDef != spec.hasDef || again.public != spec.public ||
			again.key != spec.key || again.prefix != spec.prefix || again.max != spec.max || again.lease != spec.lease {
			t.Fatalf("second parse of %q differs: %v", tag, err)
		}
		if !spec.hasDef {
			if redacted != tag {
				t.Fatalf("redactTag(%q) = %q, want it unchanged", tag, redacted)
			}
			return
		}
		r, err := parseTag(redacted)
		if err != nil || r.def != "…" || r.ttl != spec.ttl || r.version != spec.version || r.public != spec.public || r.enc != spec.enc {
			t.Fatalf("redactTag(%q) = %q, which parses to default %q, %v", tag, redacted, r.def, err)
		}
	})
}

// FuzzDefaultValue: any text survives quoting as a default
// ('...' with a quote doubled), followed by other options or not; text
// without commas, quotes first, or spaces around survives unquoted; and
// no error about a malformed default quotes any of it.
func FuzzDefaultValue(f *testing.F) {
	for _, s := range []string{"", "5", "a,b", "it's", "'", "''", " x ", `["a","b,c"]`, "a=b", "é,\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		quoted := "'" + strings.ReplaceAll(v, "'", "''") + "'"
		for _, tag := range []string{"/a,default=" + quoted, "/a,ttl=1m,default=" + quoted + " ,public", "/a, default= " + quoted + ",ttl=1m"} {
			spec, err := parseTag(tag)
			if err != nil || !spec.hasDef || spec.def != v {
				t.Fatalf("parseTag(%q) = default %q, %v; want %q", tag, spec.def, err, v)
			}
		}
		if v != "" && !strings.ContainsRune(v, ',') && !strings.HasPrefix(v, "'") && strings.TrimSpace(v) == v {
			spec, err := parseTag("/a,default=" + v + ",public")
			if err != nil || spec.def != v || !spec.public {
				t.Fatalf("unquoted %q: default %q, %v", v, spec.def, err)
			}
		}
		const mark = "SEKRIT"
		w := strings.ReplaceAll(mark+v, "'", "''")
		for _, tag := range []string{
			"/a,default='" + w,                   // unterminated
			"/a,default='" + w + "'x",            // text after the quote
			"/a,default='" + w + "',optional",    // with optional
			"/a,default='" + w + "',default=1",   // twice
			"/a,default='" + w + "',",            // trailing comma
			"/a,optional,default='" + w + "'",    // with optional
			"/a,default=" + mark + ",optional",   // unquoted
			"/a,default=" + mark + ",bogus=" + v, // an unknown option after it
		} {
			if _, err := parseTag(tag); err == nil {
				t.Fatalf("parseTag(%q) accepted", tag)
			} else if strings.Contains(err.Error(), mark) {
				t.Fatalf("parseTag(%q) error quotes the default: %v", tag, err)
			}
			if r := redactTag(tag); strings.Contains(r, mark) {
				t.Fatalf("redactTag(%q) = %q", tag, r)
			}
		}
	})
}
