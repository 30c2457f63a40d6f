package vaultly

import (
	"strings"
	"testing"
)

// TestParseTagDefaultAndPublic: default=VALUE takes the rest of its option
// up to the next comma, trimmed, or a quoted value in single quotes (two in a
// row are one quote inside them) that may hold commas and spaces. Errors about a
// default never quote it.
func TestParseTagDefaultAndPublic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tag     string
		def     string
		hasDef  bool
		public  bool
		optTTL  bool
		wantErr string // a part of the error; "" for none
	}{
		{tag: "/a,default=5", def: "5", hasDef: true},
		{tag: "/a, default = 5 ,ttl=1m", wantErr: `unknown option "default "`},
		{tag: "/a,default= 5 ,ttl=1m", def: "5", hasDef: true, optTTL: true},
		{tag: "/a,default='a,b',ttl=1m", def: "a,b", hasDef: true, optTTL: true},
		{tag: "/a,ttl=1m,default='a, b'", def: "a, b", hasDef: true, optTTL: true},
		{tag: "/a,default=' x '", def: " x ", hasDef: true},
		{tag: "/a,default='it''s'", def: "it's", hasDef: true},
		{tag: "/a,default=''''", def: "'", hasDef: true},
		{tag: "/a,default=''", def: "", hasDef: true},
		{tag: "/a,default='' , public", def: "", hasDef: true, public: true},
		{tag: `/a,default='["x","y,z"]'`, def: `["x","y,z"]`, hasDef: true},
		{tag: "/a,default=a=b", def: "a=b", hasDef: true},
		{tag: "/a,default=x'y", def: "x'y", hasDef: true}, // a quote inside an unquoted value is literal
		{tag: "/a,public", public: true},
		{tag: "/a,public,default=1", def: "1", hasDef: true, public: true},

		{tag: "/a,default", wantErr: `option "default" needs a value`},
		{tag: "/a,default=", wantErr: `option "default" needs a value`},
		{tag: "/a,default=  ", wantErr: `option "default" needs a value`},
		{tag: "/a,default=a,b", wantErr: `unknown option "b"`},
		{tag: "/a,default='sekrit", wantErr: "option default: unterminated quoted value"},
		{tag: "/a,default='sekrit''", wantErr: "option default: unterminated quoted value"},
		{tag: "/a,default='sekrit'x", wantErr: "option default: text after the closing quote"},
		{tag: "/a,default='sekrit',", wantErr: "empty option"},
		{tag: "/a,default=1,default=2", wantErr: `option "default" given twice`},
		{tag: "/a,default=sekrit,optional", wantErr: "default and optional exclude each other"},
		{tag: "/a,optional,default='sekrit'", wantErr: "default and optional exclude each other"},
		{tag: "/a,public=1", wantErr: `option "public" takes no value, got "public=1"`},
	}
	for _, tt := range tests {
		t.Run(tt.tag, func(t *testing.T) {
			t.Parallel()
			spec, err := parseTag(tt.tag)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseTag(%q) error = %v, want one containing %q", tt.tag, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "sekrit") {
					t.Errorf("error quotes the default: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseTag(%q): %v", tt.tag, err)
			}
			if spec.def != tt.def || spec.hasDef != tt.hasDef || spec.public != tt.public || spec.hasTTL != tt.optTTL {
				t.Errorf("parseTag(%q) = default %q (%v), public %v, ttl %v; want %q (%v), %v, %v",
					tt.tag, spec.def, spec.hasDef, spec.public, spec.hasTTL, tt.def, tt.hasDef, tt.public, tt.optTTL)
			}
			if spec.tmpl.String() != "/a" {
				t.Errorf("template %q, want /a", spec.tmpl.String())
			}
		})
	}
}

// TestRedactTag: the tag text an error may quote hides a default's value.
func TestRedactTag(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"/a,ttl=1m", "/a,ttl=1m"},
		{"/a,default=sekrit", "/a,default=…"},
		{"/a,default='se,krit',ttl=x", "/a,default=…,ttl=x"},
		{"/a,default='se''krit", "/a,default=…"},
		{"/a, default = 5,ttl=x", "/a, default = …,ttl=x"}, // misspelt ("default "): not quoted either
		{"/a,Default=sekrit", "/a,Default=…"},              // an unknown option's value is not quoted
		{"/a,ttl=1m, default=sekrit ,x", "/a,ttl=1m, default=… ,x"},
	}
	for _, tt := range tests {
		if got := redactTag(tt.in); got != tt.want {
			t.Errorf("redactTag(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
