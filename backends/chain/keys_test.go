package chain

import (
	"context"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/backends/mock"
)

// keyReader is a member that reads keys itself: it answers a Ref with a
// Key from its map, as Vault answers a field of an entry.
type keyReader struct {
	vals  map[vaultly.Ref]string
	mu    sync.Mutex
	calls []vaultly.Ref
}

func (k *keyReader) Name() string    { return "keys" }
func (k *keyReader) ReadsKeys() bool { return true }
func (k *keyReader) Get(_ context.Context, ref vaultly.Ref) (string, error) {
	k.mu.Lock()
	k.calls = append(k.calls, ref)
	k.mu.Unlock()
	if v, ok := k.vals[ref]; ok {
		return v, nil
	}
	return "", backendkit.NewError("keys", vaultly.ErrNotFound, ref, nil)
}

func kref(path, key string) vaultly.Ref { return vaultly.Ref{Path: path, Key: key} }

func TestGetKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		ask       vaultly.Ref
		want      string
		kind      string        // "" for found
		docCalls  []vaultly.Ref // what the mock member was asked
		keyCalls  []vaultly.Ref // what the key-reading member was asked
		keysFirst bool
	}{
		{name: "a member that does not read keys is asked for the document",
			ask: kref("/db", "user"), want: "app", docCalls: []vaultly.Ref{ref("/db")}},
		{name: "a non-string member as JSON text",
			ask: kref("/db", "port"), want: "5432", docCalls: []vaultly.Ref{ref("/db")}},
		{name: "a missing member falls through",
			ask: kref("/db", "token"), want: "from-keys", docCalls: []vaultly.Ref{ref("/db")}, keyCalls: []vaultly.Ref{kref("/db", "token")}},
		{name: "a missing document falls through",
			ask: kref("/other", "user"), want: "other-user", docCalls: []vaultly.Ref{ref("/other")}, keyCalls: []vaultly.Ref{kref("/other", "user")}},
		{name: "a document that is not an object stops the chain",
			ask: kref("/plain", "user"), kind: "config", docCalls: []vaultly.Ref{ref("/plain")}},
		{name: "a member that reads keys gets the keyed Ref", keysFirst: true,
			ask: kref("/db", "token"), want: "from-keys", keyCalls: []vaultly.Ref{kref("/db", "token")}},
		{name: "missing everywhere",
			ask: kref("/db", "nope"), kind: "not_found", docCalls: []vaultly.Ref{ref("/db")}, keyCalls: []vaultly.Ref{kref("/db", "nope")}},
		{name: "no key: as before",
			ask: ref("/plain"), want: "text", docCalls: []vaultly.Ref{ref("/plain")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := mock.New(map[string]string{"/db": `{"user":"app","port":5432}`, "/plain": "text"})
			k := &keyReader{vals: map[vaultly.Ref]string{kref("/db", "token"): "from-keys", kref("/other", "user"): "other-user"}}
			members := []vaultly.Backend{m, k}
			if tt.keysFirst {
				members = []vaultly.Backend{k, m}
			}
			c, err := New(members)
			if err != nil {
				t.Fatal(err)
			}
			if !c.ReadsKeys() {
				t.Error("ReadsKeys() = false, want true")
			}
			for _, call := range []string{"Get", "GetBatch"} {
				m.ResetCalls()
				k.mu.Lock()
				k.calls = nil
				k.mu.Unlock()
				var got string
				var err error
				if call == "Get" {
					got, err = c.Get(context.Background(), tt.ask)
				} else {
					vals, berr := c.GetBatch(context.Background(), []vaultly.Ref{tt.ask})
					got, err = backendkit.BatchResult(tt.ask, vals, berr)
				}
				if kind := kindOrFound(err); kind != tt.kind || got != tt.want {
					t.Errorf("%s = %q, %v; want %q, kind %q", call, got, err, tt.want, tt.kind)
				}
				if diff := cmp.Diff(tt.docCalls, m.Calls()); diff != "" {
					t.Errorf("%s: the mock was asked (-want +got):\n%s", call, diff)
				}
				if diff := cmp.Diff(tt.keyCalls, k.calls); diff != "" {
					t.Errorf("%s: the key reader was asked (-want +got):\n%s", call, diff)
				}
			}
		})
	}
}

func kindOrFound(err error) string {
	if err == nil {
		return ""
	}
	return vaultly.KindOf(err)
}

// GetBatch asks a member that does not read keys for each document once,
// however many of its members are asked for, beside Refs without a key.
func TestGetBatchKeysAskEachDocumentOnce(t *testing.T) {
	t.Parallel()
	m := mock.New(map[string]string{"/db": `{"user":"app","password":"pw"}`, "/x": "x", "/bad": "text"})
	c, err := New([]vaultly.Backend{m, mock.New(map[string]string{"/z": `{"k":"z"}`}, mock.WithName("second"))})
	if err != nil {
		t.Fatal(err)
	}
	ask := []vaultly.Ref{kref("/db", "user"), kref("/db", "password"), ref("/x"), ref("/db"), kref("/db", "nope"), kref("/z", "k"), kref("/bad", "k")}
	vals, err := c.GetBatch(context.Background(), ask)
	want := map[vaultly.Ref]string{kref("/db", "user"): "app", kref("/db", "password"): "pw", ref("/x"): "x",
		ref("/db"): `{"user":"app","password":"pw"}`, kref("/z", "k"): "z"}
	if diff := cmp.Diff(want, vals); diff != "" {
		t.Errorf("GetBatch values (-want +got):\n%s", diff)
	}
	kinds := map[vaultly.Ref]string{}
	for _, r := range ask {
		if _, e := backendkit.BatchResult(r, vals, err); e != nil {
			kinds[r] = vaultly.KindOf(e)
		}
	}
	if diff := cmp.Diff(map[vaultly.Ref]string{kref("/db", "nope"): "not_found", kref("/bad", "k"): "config"}, kinds); diff != "" {
		t.Errorf("GetBatch errors (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]vaultly.Ref{{ref("/db"), ref("/x"), ref("/z"), ref("/bad")}}, m.BatchCalls()); diff != "" {
		t.Errorf("the first member's batches (-want +got):\n%s", diff)
	}
}
