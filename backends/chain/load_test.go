package chain_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/chain"
	"github.com/vaultly/vaultly/backends/mock"
)

type appConfig struct {
	Stage    string
	Password string `secret:"/db/<stage>/password"`
	PoolSize int    `secret:"/db/<stage>/pool_size"`
	Debug    bool   `secret:"/<stage>/debug,optional"`
}

func pathsOf(refs []vaultly.Ref) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.Path
	}
	slices.Sort(out)
	return out
}

// Load through chain(plain overrides, batching store): the overrides get
// one Get per Ref, the store one GetBatch for what the overrides lacked.
func TestLoadThroughChain(t *testing.T) {
	t.Parallel()
	overrides := mock.New(map[string]string{"/db/prod/pool_size": "4"})
	store := mock.New(map[string]string{"/db/prod/password": "hunter2", "/db/prod/pool_size": "20"})
	b, err := chain.New([]vaultly.Backend{overrides.Plain(), store}, chain.WithNames("env", "ssm"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := appConfig{Stage: "prod"}
	if err := vaultly.Load(&cfg, b); err != nil {
		t.Fatal(err)
	}
	type got struct {
		Password   string
		PoolSize   int
		Debug      bool
		Overrides  []string
		StoreBatch [][]string
		Requests   int
	}
	g := got{Password: cfg.Password, PoolSize: cfg.PoolSize, Debug: cfg.Debug,
		Overrides: pathsOf(overrides.Calls()), Requests: store.Requests()}
	for _, call := range store.BatchCalls() {
		g.StoreBatch = append(g.StoreBatch, pathsOf(call))
	}
	want := got{
		Password:   "hunter2",
		PoolSize:   4,
		Overrides:  []string{"/db/prod/password", "/db/prod/pool_size", "/prod/debug"},
		StoreBatch: [][]string{{"/db/prod/password", "/prod/debug"}},
		Requests:   1,
	}
	if diff := cmp.Diff(want, g); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// A required secret missing everywhere fails Load with ErrNotFound, and
// the message names the backends asked.
func TestLoadMissingEverywhere(t *testing.T) {
	t.Parallel()
	b, err := chain.New([]vaultly.Backend{mock.New(nil), mock.New(map[string]string{"/db/prod/pool_size": "1"})},
		chain.WithNames("env", "ssm"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := appConfig{Stage: "prod"}
	err = vaultly.Load(&cfg, b)
	if !errors.Is(err, vaultly.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	for _, s := range []string{"Password", "/db/prod/password", "asked env, ssm"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
	if strings.Contains(err.Error(), "PoolSize") || strings.Contains(err.Error(), "Debug") {
		t.Errorf("error %q names fields that loaded (or are optional)", err)
	}
}

// Keyed fields through a chain of members that do not read keys: each
// document is asked for once, and a member's document without the key
// falls through to the next member.
func TestLoadKeysThroughChain(t *testing.T) {
	t.Parallel()
	overrides := mock.New(map[string]string{"/db/prod": `{"user":"override"}`}, mock.WithName("overrides"))
	store := mock.New(map[string]string{"/db/prod": `{"user":"app","password":"pw","port":5432}`}, mock.WithName("store"))
	c, err := chain.New([]vaultly.Backend{overrides, store})
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Stage    string
		User     string `secret:"/db/<stage>,key=user"`
		Password string `secret:"/db/<stage>,key=password"`
		Port     int    `secret:"/db/<stage>,key=port"`
	}
	cfg.Stage = "prod"
	if err := vaultly.Load(&cfg, c); err != nil {
		t.Fatal(err)
	}
	got := []any{cfg.User, cfg.Password, cfg.Port, overrides.Calls(), store.Calls()}
	want := []any{"override", "pw", 5432,
		[]vaultly.Ref{{Path: "/db/prod"}}, // one document for three keys
		[]vaultly.Ref{{Path: "/db/prod"}}, // for the two keys the overrides lack
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fields and calls (-want +got):\n%s", diff)
	}
}
