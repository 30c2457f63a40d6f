package vaultly

import (
	"strings"
	"testing"
)

// FuzzParseTag: the tag parser never panics, and a tag it accepts has a
// path template and options that survive a second parse of the same text.
func FuzzParseTag(f *testing.F) {
	for _, s := range []string{
		"/db/<stage>/password,ttl=5m,stale_on_error",
		"/a,stale_on_error=10m,version=3,optional,encoding=base64",
		"/a/<<literal>,encoding=hex",
		"", ",", "/a,,", "/a,ttl=-1s", "/a/<a.b>", "/a/<", "/a,optional=1", "/a,ttl=1m,ttl=2m",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tag string) {
		spec, err := parseTag(tag)
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
		path, _, _ := strings.Cut(tag, ",")
		if spec.tmpl.String() != path {
			t.Fatalf("template %q, want %q", spec.tmpl.String(), path)
		}
		again, err := parseTag(tag)
		if err != nil || again.ttl != spec.ttl || again.version != spec.version || again.optional != spec.optional {
			t.Fatalf("second parse of %q differs: %v", tag, err)
		}
	})
}
