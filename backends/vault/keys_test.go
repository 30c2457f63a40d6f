package vault_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

var _ backendkit.KeyBackend = (*vault.Backend)(nil)

// Ref.Key takes a member of the entry by the key= rule; the ":key"
// shorthand and the default key keep working for Refs without Key.
func TestGetKey(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	srv.PutJSON("app/db", `{"user":"app","password":"p\"w","port":5432,"tls":true,"opts":{"a":[1,"x"]},"nul":null,"value":"default","":"empty name"}`)
	b := newBackend(t, srv)
	if !b.ReadsKeys() {
		t.Fatal("ReadsKeys() = false")
	}
	tests := []struct {
		name string
		ref  vaultly.Ref
		want string
		kind error
	}{
		{"string member", vaultly.Ref{Path: "app/db", Key: "password"}, `p"w`, nil},
		{"number as its text", vaultly.Ref{Path: "/app/db/", Key: "port"}, "5432", nil},
		{"bool", vaultly.Ref{Path: "app/db", Key: "tls"}, "true", nil},
		{"object as JSON", vaultly.Ref{Path: "app/db", Key: "opts"}, `{"a":[1,"x"]}`, nil},
		{"null member is the text null", vaultly.Ref{Path: "app/db", Key: "nul"}, "null", nil},
		{"null by the shorthand is not found", vaultly.Ref{Path: "app/db:nul"}, "", vaultly.ErrNotFound},
		{"missing member", vaultly.Ref{Path: "app/db", Key: "nope"}, "", vaultly.ErrNotFound},
		{"keys are case-sensitive", vaultly.Ref{Path: "app/db", Key: "User"}, "", vaultly.ErrNotFound},
		{"missing entry", vaultly.Ref{Path: "app/none", Key: "user"}, "", vaultly.ErrNotFound},
		{"shorthand", vaultly.Ref{Path: "app/db:user"}, "app", nil},
		{"default key", vaultly.Ref{Path: "app/db"}, "default", nil},
		{"Key and shorthand", vaultly.Ref{Path: "app/db:user", Key: "password"}, "", vaultly.ErrConfig},
		{"Key with a pinned version", vaultly.Ref{Path: "app/db", Key: "user", Version: "1"}, "app", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := b.Get(context.Background(), tt.ref)
			if tt.kind != nil {
				if !errors.Is(err, tt.kind) {
					t.Fatalf("Get(%v) = %q, %v; want %v", tt.ref, got, err, tt.kind)
				}
				var be *vaultly.BackendError
				if !errors.As(err, &be) || be.Ref != tt.ref {
					t.Errorf("err = %v, want a BackendError naming %v", err, tt.ref)
				}
				noValue(t, err, "p\\\"w", "5432", "default")
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Get(%v) = %q, %v; want %q", tt.ref, got, err, tt.want)
			}
		})
	}
}

// Six keys of one entry, asked with Ref.Key, the shorthand and the
// default key, cost one read; another version of it one more.
func TestGetBatchKeysOneRead(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	srv.Put("app/db", map[string]any{"host": "h1", "value": "old"})
	srv.Put("app/db", map[string]any{"user": "u", "password": "pw", "host": "h", "port": 5432, "name": "db", "value": "v"})
	b := newBackend(t, srv)
	refs := []vaultly.Ref{
		{Path: "app/db", Key: "user"},
		{Path: "app/db", Key: "password"},
		{Path: "app/db", Key: "host"},
		{Path: "app/db", Key: "port"},
		{Path: "app/db:name"},
		{Path: "app/db"},
		{Path: "app/db", Key: "missing"},
		{Path: "app/db", Key: "host", Version: "1"},
	}
	got, err := b.GetBatch(context.Background(), refs)
	want := map[vaultly.Ref]string{
		refs[0]: "u", refs[1]: "pw", refs[2]: "h", refs[3]: "5432", refs[4]: "db", refs[5]: "v", refs[7]: "h1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetBatch (-want +got):\n%s", diff)
	}
	var be *vaultly.BatchError
	if !errors.As(err, &be) || len(be.Errs) != 1 || !errors.Is(be.Errs[refs[6]], vaultly.ErrNotFound) {
		t.Errorf("err = %v, want one ErrNotFound for the missing key", err)
	}
	var queries []string
	for _, r := range srv.Requests() {
		queries = append(queries, r.Method+" "+r.Path+"?"+r.Query)
	}
	wantQ := []string{"GET /v1/secret/data/app/db?", "GET /v1/secret/data/app/db?version=1"}
	if diff := cmp.Diff(wantQ, queries, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}
