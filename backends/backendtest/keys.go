package backendtest

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

// keyCase is one Ref.Key the Keys check reads from the object fixture.
type keyCase struct {
	key  string
	want string // the member as the key= rule gives it
	json bool   // want is JSON text: compared as JSON, not as text
}

var keyCases = []keyCase{
	{key: "user", want: "u-" + Marker},
	{key: "password", want: `p"w-` + Marker},
	{key: "empty", want: ""},
	{key: "port", want: "5432", json: true},
	{key: "flag", want: "true", json: true},
	{key: "nul", want: "null", json: true},
	{key: "nested", want: `{"a":[1,"n-` + Marker + `"]}`, json: true},
}

// testKeys reads members of the object fixture with Ref.Key.
func (s *suite) testKeys(t *testing.T) {
	if !s.h.Keys {
		t.Skip("Harness.Keys is false")
	}
	t.Parallel()
	b := s.newBackend(t)
	kb, ok := b.(backendkit.KeyBackend)
	if !ok || !kb.ReadsKeys() {
		t.Fatalf("Harness.Keys is true but %T does not implement backendkit.KeyBackend with ReadsKeys() true", b)
	}
	ctx := context.Background()
	object := s.path(objectFixture.name)
	missing := []vaultly.Ref{
		{Path: object, Key: "nosuchkey"},
		{Path: object, Key: "User"}, // keys are case-sensitive
		{Path: s.path("missing"), Key: "user"},
	}
	check := func(call string, ref vaultly.Ref, got string, err error) {
		t.Helper()
		s.checkText(t, call, err)
		if slices.Contains(missing, ref) {
			if !isNotFound(err) {
				t.Errorf("%s: %v: got %q, %s; want an error matching ErrNotFound and no other kind", call, ref, got, kindText(err))
			}
			return
		}
		c := keyCases[slices.IndexFunc(keyCases, func(c keyCase) bool { return c.key == ref.Key })]
		switch {
		case err != nil:
			t.Errorf("%s: %v: got %s; want %q", call, ref, kindText(err), c.want)
		case c.json && !sameJSON(got, c.want), !c.json && got != c.want:
			t.Errorf("%s: %v: got %q; want %q", call, ref, got, c.want)
		}
	}
	refs := make([]vaultly.Ref, 0, len(keyCases)+len(missing))
	for _, c := range keyCases {
		refs = append(refs, vaultly.Ref{Path: object, Key: c.key})
	}
	refs = append(refs, missing...)
	for _, ref := range refs {
		got, err := b.Get(ctx, ref)
		check("Get", ref, got, err)
	}
	if bb, ok := b.(vaultly.BatchBackend); ok {
		const call = "GetBatch(members)"
		s.batch(t, bb, ctx, call, refs, func(ref vaultly.Ref, got string, err error) {
			t.Helper()
			check(call, ref, got, err)
		})
	}
}

// sameJSON reports whether a and b are the same JSON value, whatever
// their spacing and member order: a store of objects (Vault) may encode a
// member again.
func sameJSON(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
