package env_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/chain"
	"github.com/vaultly/vaultly/backends/env"
	"github.com/vaultly/vaultly/backends/mock"
)

// TestGetBatch: GetBatch answers like Get per Ref (a not-found Ref is
// reported with the variable it looked for), and two different paths of
// one batch that map to one variable are each a configuration error naming
// every such path and the variable, without looking the variable up.
func TestGetBatch(t *testing.T) {
	t.Parallel()
	vars := map[string]string{
		"MYAPP_DB_PROD_PASSWORD":  "hunter2",
		"MYAPP_DB_PROD_POOL_SIZE": "12",
		"MYAPP_EMPTY":             "",
		"MYAPP_A_B_C":             "abc",
	}
	tests := []struct {
		name    string
		ask     []vaultly.Ref
		want    map[vaultly.Ref]string
		errs    map[vaultly.Ref]string // the error of each failing Ref
		kinds   map[vaultly.Ref]string
		lookups []string // the variables looked up, sorted
	}{
		{name: "empty request"},
		{
			name:    "found, empty and missing",
			ask:     []vaultly.Ref{{Path: "/db/prod/password"}, {Path: "/empty"}, {Path: "/db/dev/password"}},
			want:    map[vaultly.Ref]string{{Path: "/db/prod/password"}: "hunter2", {Path: "/empty"}: ""},
			errs:    map[vaultly.Ref]string{{Path: "/db/dev/password"}: "env: /db/dev/password: secret not found: variable MYAPP_DB_DEV_PASSWORD is not set"},
			kinds:   map[vaultly.Ref]string{{Path: "/db/dev/password"}: "not_found"},
			lookups: []string{"MYAPP_DB_DEV_PASSWORD", "MYAPP_DB_PROD_PASSWORD", "MYAPP_EMPTY"},
		},
		{
			name: "a repeated Ref, and versions of one path, are not a collision",
			ask: []vaultly.Ref{{Path: "/db/prod/password"}, {Path: "/db/prod/password"},
				{Path: "/db/prod/password", Version: "2"}},
			want: map[vaultly.Ref]string{{Path: "/db/prod/password"}: "hunter2",
				{Path: "/db/prod/password", Version: "2"}: "hunter2"},
			lookups: []string{"MYAPP_DB_PROD_PASSWORD"},
		},
		{
			name: "two paths, one variable",
			ask:  []vaultly.Ref{{Path: "/db/prod/password"}, {Path: "/db/prod-password"}, {Path: "/db/prod/pool_size"}},
			want: map[vaultly.Ref]string{{Path: "/db/prod/pool_size"}: "12"},
			errs: map[vaultly.Ref]string{
				{Path: "/db/prod/password"}: "env: /db/prod/password: configuration error: " +
					"paths /db/prod-password and /db/prod/password map to the same variable MYAPP_DB_PROD_PASSWORD",
				{Path: "/db/prod-password"}: "env: /db/prod-password: configuration error: " +
					"paths /db/prod-password and /db/prod/password map to the same variable MYAPP_DB_PROD_PASSWORD",
			},
			kinds:   map[vaultly.Ref]string{{Path: "/db/prod/password"}: "config", {Path: "/db/prod-password"}: "config"},
			lookups: []string{"MYAPP_DB_PROD_POOL_SIZE"},
		},
		{
			name: "three paths, one unset variable, and a version",
			ask:  []vaultly.Ref{{Path: "/a/b-c", Version: "1"}, {Path: "/a/b/c"}, {Path: "a.b.c/"}, {Path: "/x/y"}, {Path: "/x_y"}},
			errs: map[vaultly.Ref]string{
				{Path: "/a/b-c", Version: "1"}: "env: /a/b-c@1: configuration error: paths /a/b-c, /a/b/c and a.b.c/ map to the same variable MYAPP_A_B_C",
				{Path: "/a/b/c"}:               "env: /a/b/c: configuration error: paths /a/b-c, /a/b/c and a.b.c/ map to the same variable MYAPP_A_B_C",
				{Path: "a.b.c/"}:               "env: a.b.c/: configuration error: paths /a/b-c, /a/b/c and a.b.c/ map to the same variable MYAPP_A_B_C",
				{Path: "/x/y"}:                 "env: /x/y: configuration error: paths /x/y and /x_y map to the same variable MYAPP_X_Y",
				{Path: "/x_y"}:                 "env: /x_y: configuration error: paths /x/y and /x_y map to the same variable MYAPP_X_Y",
			},
			kinds: map[vaultly.Ref]string{{Path: "/a/b-c", Version: "1"}: "config", {Path: "/a/b/c"}: "config",
				{Path: "a.b.c/"}: "config", {Path: "/x/y"}: "config", {Path: "/x_y"}: "config"},
		},
		{
			name:  "a path with no name",
			ask:   []vaultly.Ref{{Path: "/"}, {Path: "//"}},
			errs:  map[vaultly.Ref]string{{Path: "/"}: "env: /: configuration error: path has no name to map to a variable", {Path: "//"}: "env: //: configuration error: path has no name to map to a variable"},
			kinds: map[vaultly.Ref]string{{Path: "/"}: "config", {Path: "//"}: "config"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var lookups []string
			b := mustNew(t, env.WithPrefix("MYAPP"), env.WithLookup(func(name string) (string, bool) {
				mu.Lock()
				lookups = append(lookups, name)
				mu.Unlock()
				v, ok := vars[name]
				return v, ok
			}))
			bb, ok := vaultly.Backend(b).(vaultly.BatchBackend)
			if !ok {
				t.Fatal("env.Backend is not a vaultly.BatchBackend")
			}
			ask := slices.Clone(tt.ask)
			vals, err := bb.GetBatch(context.Background(), ask)
			if diff := cmp.Diff(tt.ask, ask); diff != "" {
				t.Errorf("GetBatch changed its refs (-want +got):\n%s", diff)
			}
			var errs, kinds map[vaultly.Ref]string
			if err != nil {
				var be *vaultly.BatchError
				if !errors.As(err, &be) {
					t.Fatalf("err = %v, want a *vaultly.BatchError", err)
				}
				errs, kinds = map[vaultly.Ref]string{}, map[vaultly.Ref]string{}
				for r, e := range be.Errs {
					errs[r], kinds[r] = e.Error(), vaultly.KindOf(e)
					if strings.Contains(e.Error(), "hunter2") {
						t.Errorf("error contains a value: %v", e)
					}
				}
			}
			if len(vals) == 0 {
				vals = nil
			}
			slices.Sort(lookups)
			got := []any{vals, errs, kinds, lookups}
			want := []any{tt.want, tt.errs, tt.kinds, tt.lookups}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("values, errors, kinds, lookups (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGetBatchContextDone(t *testing.T) {
	t.Parallel()
	b := mustNew(t, env.WithLookup(func(string) (string, bool) { return "v", true }))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	vals, err := b.GetBatch(ctx, []vaultly.Ref{{Path: "/a"}})
	if len(vals) != 0 || !errors.Is(err, context.Canceled) || vaultly.KindOf(err) != "canceled" {
		t.Errorf("GetBatch with canceled ctx = %v, %v; want no values and context.Canceled with no error kind", vals, err)
	}
	if _, err := (&env.Backend{}).GetBatch(context.Background(), []vaultly.Ref{{Path: "/a"}}); !errors.Is(err, vaultly.ErrConfig) {
		t.Errorf("zero Backend: GetBatch err = %v, want ErrConfig", err)
	}
}

// The variable env looked for survives a chain: a secret missing from
// every member names it, through Get, GetBatch and Load.
func TestNotFoundThroughChain(t *testing.T) {
	t.Parallel()
	envB := mustNew(t, env.WithPrefix("MYAPP"), env.WithLookup(func(string) (string, bool) { return "", false }))
	c, err := chain.New([]vaultly.Backend{envB, mock.New(nil, mock.WithName("other"))})
	if err != nil {
		t.Fatal(err)
	}
	const want = "chain: /db/password: secret not found: asked env(MYAPP) (variable MYAPP_DB_PASSWORD is not set), other"
	ref := vaultly.Ref{Path: "/db/password"}
	ctx := context.Background()

	_, err = c.Get(ctx, ref)
	if !errors.Is(err, vaultly.ErrNotFound) || err.Error() != want {
		t.Errorf("Get = %v; want ErrNotFound %q", err, want)
	}

	_, err = c.GetBatch(ctx, []vaultly.Ref{ref})
	var be *vaultly.BatchError
	if !errors.As(err, &be) || be.Errs[ref] == nil || be.Errs[ref].Error() != want {
		t.Errorf("GetBatch = %v; want a BatchError with %q", err, want)
	}

	var cfg struct {
		Password string `secret:"/db/password"`
	}
	err = vaultly.Load(&cfg, c)
	if !errors.Is(err, vaultly.ErrNotFound) || !strings.Contains(err.Error(), "variable MYAPP_DB_PASSWORD is not set") {
		t.Errorf("Load = %v; want ErrNotFound naming MYAPP_DB_PASSWORD", err)
	}
}
