package integration

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

// mountKV1 is the KV v1 mount of the scenarios below.
const mountKV1 = "kv1"

// kvTarget is a Vault with a KV v2 mount "kv" and a KV v1 mount "kv1"
// (for vaulttest, two servers).
type kvTarget struct {
	name          string
	addr, addrKV1 string
	root, rootKV1 *api.Client
}

func newCoreKVTarget(t *testing.T) *kvTarget {
	tg := newCoreTarget(t)
	must(t, tg.root.Sys().MountWithContext(context.Background(), mountKV1,
		&api.MountInput{Type: "kv", Options: map[string]string{"version": "1"}}))
	return &kvTarget{name: "core", addr: tg.addr, addrKV1: tg.addr, root: tg.root, rootKV1: tg.root}
}

func newFakeKVTarget(t *testing.T) *kvTarget {
	v2 := vaulttest.NewServer(t, vaulttest.WithMount(mount))
	v1 := vaulttest.NewServer(t, vaulttest.WithMount(mountKV1), vaulttest.WithKVVersion(1))
	return &kvTarget{name: "vaulttest", addr: v2.URL(), addrKV1: v1.URL(), root: v2.Client(), rootKV1: v1.Client()}
}

// pathCounter counts the GET requests by URL path (any endpoint).
type pathCounter struct {
	next http.RoundTripper
	mu   sync.Mutex
	gets map[string]int
}

func (c *pathCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet {
		c.mu.Lock()
		if c.gets == nil {
			c.gets = make(map[string]int)
		}
		c.gets[strings.TrimSuffix(r.URL.Path, "/")]++
		c.mu.Unlock()
	}
	return c.next.RoundTrip(r)
}

func (c *pathCounter) count(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gets[path]
}

// countedBackend returns a backend for mount at addr (detecting its KV
// version), whose GETs are counted.
func countedBackend(t *testing.T, addr, token, mnt string) (*vault.Backend, *pathCounter) {
	t.Helper()
	c := newClient(t, addr, token, nil)
	cfg := c.CloneConfig()
	pc := &pathCounter{next: cfg.HttpClient.Transport}
	cfg.HttpClient = &http.Client{Transport: pc}
	c, err := api.NewClient(cfg)
	must(t, err)
	c.SetToken(token)
	b, err := vault.New(vault.WithClient(c), vault.WithMount(mnt))
	must(t, err)
	return b, pc
}

type keysConfig struct {
	DB struct {
		User     string                 `secret:"/keys/db,key=user"`
		Password vaultly.Secret[string] `secret:"/keys/db,key=password"`
		Host     string                 `secret:"/keys/db,key=host"`
		Port     int                    `secret:"/keys/db,key=port"`
		TLS      bool                   `secret:"/keys/db,key=tls"`
		Name     string                 `secret:"/keys/db:name"` // the shorthand
	}
	Flags map[string]string `secret:"/keys/flags/,prefix"`
}

// TestKVReads loads keys of one entry (one read, the version check
// aside) and a prefix from a KV v2 mount and a KV v1 mount whose
// version the backend detects, and refuses a version on KV v1.
func TestKVReads(t *testing.T) {
	for _, mk := range []func(*testing.T) *kvTarget{newFakeKVTarget, newCoreKVTarget} {
		tg := mk(t)
		for _, kv := range []struct {
			version   int
			addr, mnt string
			root      *api.Client
			write     func(path string, data map[string]any)
			entryPath string // the URL path of keys/db
		}{
			{2, tg.addr, mount, tg.root, func(p string, d map[string]any) {
				_, err := tg.root.KVv2(mount).Put(context.Background(), p, d)
				must(t, err)
			}, "/v1/kv/data/keys/db"},
			{1, tg.addrKV1, mountKV1, tg.rootKV1, func(p string, d map[string]any) {
				must(t, tg.rootKV1.KVv1(mountKV1).Put(context.Background(), p, d))
			}, "/v1/kv1/keys/db"},
		} {
			t.Run(tg.name+" v"+string(rune('0'+kv.version)), func(t *testing.T) {
				ctx := context.Background()
				kv.write("keys/db", map[string]any{"user": "app", "password": "pw", "host": "db.internal", "port": 5432, "tls": true, "name": "orders"})
				kv.write("keys/flags/beta", map[string]any{"value": "on"})
				kv.write("keys/flags/team/x", map[string]any{"value": "off"})
				kv.write("keys/flags/nokey", map[string]any{"other": "x"})
				b, pc := countedBackend(t, kv.addr, kv.root.Token(), kv.mnt)

				var cfg keysConfig
				must(t, vaultly.LoadContext(ctx, &cfg, b))
				pw, err := cfg.DB.Password.Get(ctx)
				must(t, err)
				db := cfg.DB
				got := []any{db.User, pw, db.Host, db.Port, db.TLS, db.Name}
				if diff := cmp.Diff([]any{"app", "pw", "db.internal", 5432, true, "orders"}, got); diff != "" {
					t.Errorf("keys (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(map[string]string{"beta": "on", "team/x": "off"}, cfg.Flags); diff != "" {
					t.Errorf("prefix (-want +got):\n%s", diff)
				}
				if n := pc.count(kv.entryPath); n != 1 {
					t.Errorf("reads of keys/db = %d, want 1 for six keys", n)
				}
				if n := pc.count("/v1/sys/internal/ui/mounts/" + kv.mnt); n != 1 {
					t.Errorf("version checks = %d, want 1", n)
				}

				_, err = b.Get(ctx, vaultly.Ref{Path: "keys/db", Key: "user", Version: "1"})
				if kv.version == 1 && !errors.Is(err, vaultly.ErrConfig) {
					t.Errorf("a version on KV v1: err = %v, want ErrConfig", err)
				}
				if kv.version == 2 && err != nil {
					t.Errorf("a version on KV v2: err = %v", err)
				}
			})
		}
	}
}

// listShape is what a client can tell from a LIST, a KV v1 read, the
// mount check or a leased read: the status, the top-level keys, the keys
// of data, whether errors is empty, and the lease fields' presence.
type listShape struct {
	Status      int
	Keys        []string
	DataKeys    []string
	ListKeys    any
	EmptyErrors bool
	HasLeaseID  bool
	LeaseSet    bool
}

func rawShape(t *testing.T, c *api.Client, token, method, path string, body any) listShape {
	t.Helper()
	c2, err := c.Clone()
	must(t, err)
	c2.SetToken(token)
	r := c2.NewRequest(method, path)
	if method == "LIST" {
		r.Method = http.MethodGet
		r.Params.Set("list", "true")
	}
	if body != nil {
		must(t, r.SetJSONBody(body))
	}
	//lint:ignore SA1019 a request built by hand (LIST as GET, any method) needs the raw call
	resp, _ := c2.RawRequestWithContext(context.Background(), r)
	if resp == nil {
		t.Fatalf("no answer for %s %s", method, path)
	}
	defer resp.Body.Close()
	s := listShape{Status: resp.StatusCode}
	var top map[string]any
	if resp.StatusCode == http.StatusNoContent {
		return s
	}
	must(t, resp.DecodeJSON(&top))
	for k := range top {
		if k != "request_id" {
			s.Keys = append(s.Keys, k)
		}
	}
	if errs, ok := top["errors"].([]any); ok {
		s.EmptyErrors = len(errs) == 0
	}
	if data, ok := top["data"].(map[string]any); ok {
		for k := range data {
			s.DataKeys = append(s.DataKeys, k)
		}
		s.ListKeys = data["keys"]
	}
	id, _ := top["lease_id"].(string)
	s.HasLeaseID = id != ""
	d, _ := top["lease_duration"].(float64)
	s.LeaseSet = d > 0
	return s
}

// TestReadsWireParity holds vaulttest's answers for the endpoints the
// backend's reads use beyond KV v2 reads (the mount check, KV v1 reads,
// LIST on both versions, leased reads, lease revocation) to the real
// core's.
func TestReadsWireParity(t *testing.T) {
	fake, core := newFakeKVTarget(t), newCoreKVTarget(t)
	fakeLease, coreLease := newFakeLeaseTarget(t), newCoreLeaseTarget(t)
	ctx := context.Background()
	for _, tg := range []*kvTarget{fake, core} {
		for _, p := range []string{"app/a", "app/b/c", "app/b/d"} {
			_, err := tg.root.KVv2(mount).Put(ctx, p, map[string]any{"value": p})
			must(t, err)
			must(t, tg.rootKV1.KVv1(mountKV1).Put(ctx, p, map[string]any{"value": p}))
		}
	}
	type side struct {
		c     *api.Client
		token string
	}
	cases := []struct {
		name, method, path string
		status             int // the core's
		body               any
		lease              bool // against the lease targets
		badToken           bool
	}{
		{name: "mount check v2", status: 200, method: "GET", path: "/v1/sys/internal/ui/mounts/kv"},
		{name: "mount check below the mount", status: 200, method: "GET", path: "/v1/sys/internal/ui/mounts/kv/app/a"},
		{name: "mount check v1", status: 200, method: "GET", path: "/v1/sys/internal/ui/mounts/kv1"},
		{name: "mount check no mount", status: 403, method: "GET", path: "/v1/sys/internal/ui/mounts/nope"},
		{name: "mount check bad token", status: 403, method: "GET", path: "/v1/sys/internal/ui/mounts/kv", badToken: true},
		{name: "v1 read", status: 200, method: "GET", path: "/v1/kv1/app/a"},
		{name: "v1 read missing", status: 404, method: "GET", path: "/v1/kv1/app/none"},
		{name: "v1 list", status: 200, method: "LIST", path: "/v1/kv1/app/"},
		{name: "v1 list nested", status: 200, method: "LIST", path: "/v1/kv1/app/b/"},
		{name: "v1 list missing", status: 404, method: "LIST", path: "/v1/kv1/none/"},
		{name: "v1 list an entry", status: 404, method: "LIST", path: "/v1/kv1/app/a/"},
		{name: "v2 list", status: 200, method: "LIST", path: "/v1/kv/metadata/app/"},
		{name: "v2 list nested", status: 200, method: "LIST", path: "/v1/kv/metadata/app/b/"},
		{name: "v2 list missing", status: 404, method: "LIST", path: "/v1/kv/metadata/none/"},
		{name: "v2 list bad token", status: 403, method: "LIST", path: "/v1/kv/metadata/app/", badToken: true},
		{name: "leased read", status: 200, method: "GET", path: "/v1/leased/creds", lease: true},
		{name: "revoke unknown lease", status: 204, method: "PUT", path: "/v1/sys/leases/revoke", body: map[string]any{"lease_id": "leased/creds/nope"}, lease: true},
		{name: "revoke without id", status: 400, method: "PUT", path: "/v1/sys/leases/revoke", body: map[string]any{}, lease: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sides := []side{{core.root, core.root.Token()}, {fake.root, fake.root.Token()}}
			if strings.HasPrefix(tc.path, "/v1/kv1/") || strings.HasSuffix(tc.path, "/kv1") {
				sides[1] = side{fake.rootKV1, fake.rootKV1.Token()}
			}
			if tc.lease {
				sides = []side{{coreLease.root, coreLease.root.Token()}, {fakeLease.root, fakeLease.root.Token()}}
			}
			var shapes []listShape
			for _, s := range sides {
				token := s.token
				if tc.badToken {
					token = "hvs.not-a-token"
				}
				shapes = append(shapes, rawShape(t, s.c, token, tc.method, tc.path, tc.body))
			}
			for i := range shapes {
				slices.Sort(shapes[i].Keys)
				slices.Sort(shapes[i].DataKeys)
			}
			if shapes[0].Status != tc.status {
				t.Errorf("core answered %d, want %d", shapes[0].Status, tc.status)
			}
			if diff := cmp.Diff(shapes[0], shapes[1]); diff != "" {
				t.Errorf("core (-) vs vaulttest (+):\n%s", diff)
			}
		})
	}
}
