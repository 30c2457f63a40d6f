package vaultly

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestParseTagKeyPrefixLease: the key=, prefix, max= and lease options,
// and the combinations they refuse.
func TestParseTagKeyPrefixLease(t *testing.T) {
	t.Parallel()
	type got struct {
		Key    string
		Prefix bool
		Max    int
		Lease  bool
		Kind   readKind
	}
	tests := []struct {
		tag     string
		want    got
		wantErr string // a part of the error; "" for none
	}{
		{tag: "/a,key=password", want: got{Key: "password"}},
		{tag: "/a, key=db password ", want: got{Key: "db password"}},
		{tag: "/a,key=a.b", want: got{Key: "a.b"}},
		{tag: "/a,key=password,version=3,optional", want: got{Key: "password"}},
		{tag: "/a/,prefix", want: got{Prefix: true, Kind: readPrefix}},
		{tag: "/a,prefix,max=5", want: got{Prefix: true, Max: 5, Kind: readPrefix}},
		{tag: "/a,prefix,max=1", want: got{Prefix: true, Max: 1, Kind: readPrefix}},
		{tag: "/a,max=5,prefix,optional,ttl=1m", want: got{Prefix: true, Max: 5, Kind: readPrefix}},
		{tag: "/a,lease", want: got{Lease: true, Kind: readLease}},
		{tag: "/a,lease,ttl=1h,stale_on_error", want: got{Lease: true, Kind: readLease}},

		{tag: "/a,key", wantErr: `option "key" needs a value`},
		{tag: "/a,key=", wantErr: `option "key" needs a value`},
		{tag: "/a,key= x", wantErr: `option key: key " x" has leading or trailing spaces`},
		{tag: "/a,key=x,key=y", wantErr: `option "key" given twice`},
		{tag: "/a,prefix=1", wantErr: `option "prefix" takes no value`},
		{tag: "/a,lease=1", wantErr: `option "lease" takes no value`},
		{tag: "/a,max=5", wantErr: "option max applies only with prefix"},
		{tag: "/a,prefix,max=0", wantErr: `option max: want a positive whole number, got "0"`},
		{tag: "/a,prefix,max=-1", wantErr: `option max: want a positive whole number, got "-1"`},
		{tag: "/a,prefix,max=1e3", wantErr: `option max: want a positive whole number, got "1e3"`},
		{tag: "/a,prefix,max", wantErr: `option "max" needs a value`},
		{tag: "/a,prefix,version=3", wantErr: "options prefix and version exclude each other"},
		{tag: "/a,prefix,key=x", wantErr: "options prefix and key exclude each other"},
		{tag: "/a,prefix,lease", wantErr: "options prefix and lease exclude each other"},
		{tag: "/a,prefix,default=x", wantErr: "options prefix and default exclude each other"},
		{tag: "/a,lease,version=3", wantErr: "options lease and version exclude each other"},
		{tag: "/a,lease,key=password", wantErr: "options lease and key exclude each other"},
	}
	for _, tt := range tests {
		t.Run(tt.tag, func(t *testing.T) {
			t.Parallel()
			spec, err := parseTag(tt.tag)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseTag(%q) error = %v, want one containing %q", tt.tag, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseTag(%q): %v", tt.tag, err)
			}
			g := got{Key: spec.key, Prefix: spec.prefix, Max: spec.max, Lease: spec.lease, Kind: spec.kind()}
			if diff := cmp.Diff(tt.want, g); diff != "" {
				t.Errorf("parseTag(%q) (-want +got):\n%s", tt.tag, diff)
			}
		})
	}
}

// TestPrefixMaxDefault: a prefix without max= is bounded at 10,000; the
// bound of any other field is 0 (it is part of the cache key).
func TestPrefixMaxDefault(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tag  string
		want int
	}{
		{"/a,prefix", 10000},
		{"/a,prefix,max=3", 3},
		{"/a", 0},
		{"/a,lease", 0},
	}
	for _, tt := range tests {
		spec, err := parseTag(tt.tag)
		if err != nil {
			t.Fatal(err)
		}
		f := &planField{spec: spec, kind: spec.kind()}
		if got := f.prefixMax(); got != tt.want {
			t.Errorf("%q: prefixMax() = %d, want %d", tt.tag, got, tt.want)
		}
	}
}
