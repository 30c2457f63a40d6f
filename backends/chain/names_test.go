package chain_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/chain"
	"github.com/vaultly/vaultly/backends/env"
	"github.com/vaultly/vaultly/backends/file"
	"github.com/vaultly/vaultly/backends/mock"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

// The chain's errors name each member by its own Name(): the mock's
// WithName, env with its prefix, file with its directory, vault with its
// mount, never the Go type.
func TestErrorsNameMembers(t *testing.T) {
	t.Parallel()
	first := mock.New(nil, mock.WithName("first"))
	envB, err := env.New(env.WithPrefix("MYAPP"), env.WithLookup(func(string) (string, bool) { return "", false }))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	fileB, err := file.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fileB.Close() })
	srv := vaulttest.NewServer(t, vaulttest.WithMount("kv"))
	vaultB, err := vault.New(vault.WithClient(srv.Client()), vault.WithMount("kv"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := chain.New([]vaultly.Backend{first, envB, fileB, vaultB})
	if err != nil {
		t.Fatal(err)
	}
	members := "first, env(MYAPP), file(" + dir + "), vault(kv)"
	if diff := cmp.Diff("chain("+members+")", c.Name()); diff != "" {
		t.Errorf("Name (-want +got):\n%s", diff)
	}

	ctx := context.Background()
	_, err = c.Get(ctx, vaultly.Ref{Path: "/zz"})
	if err == nil {
		t.Fatal("Get(/zz): no error, want not found")
	}
	got := []string{vaultly.KindOf(err), err.Error()}
	// A member's not-found detail follows its name: env names the variable.
	want := []string{"not_found", "chain: /zz: secret not found: asked first, env(MYAPP) (variable MYAPP_ZZ is not set), file(" + dir + "), vault(kv)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("missing everywhere: kind, error (-want +got):\n%s", diff)
	}

	first.Fail("/zz", errors.New("throttled"))
	_, err = c.Get(ctx, vaultly.Ref{Path: "/zz"})
	if err == nil {
		t.Fatal("Get(/zz) with first failing: no error")
	}
	got = []string{vaultly.KindOf(err), err.Error()}
	want = []string{"transient", "chain: first failed (asked first): first: /zz: transient backend failure: throttled"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("first failing: kind, error (-want +got):\n%s", diff)
	}
}
