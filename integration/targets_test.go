package integration

import (
	"context"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/hashicorp/vault/builtin/credential/approle"
	vaulthttp "github.com/hashicorp/vault/http"
	"github.com/hashicorp/vault/vault"

	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

const mount = "kv"

// The app's policy on the real core; vaulttest denies the same prefix.
const appPolicy = `
path "kv/data/*" { capabilities = ["read"] }
path "kv/data/forbidden/*" { capabilities = ["deny"] }
`

func TestMain(m *testing.M) {
	// The scenarios build their clients explicitly; keep a developer's
	// VAULT_* environment out of them.
	for _, k := range []string{"VAULT_ADDR", "VAULT_TOKEN", "VAULT_NAMESPACE", "VAULT_HEADERS",
		"VAULT_CLIENT_TIMEOUT", "VAULT_MAX_RETRIES", "VAULT_HTTP_PROXY", "VAULT_PROXY_ADDR"} {
		os.Unsetenv(k)
	}
	if err := vault.AddTestCredentialBackend("approle", approle.Factory); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// target is a Vault the scenarios run against: a real in-process core or
// a vaulttest server. Both serve a KV v2 mount "kv" and an approle role
// whose tokens may read kv/data/* except kv/data/forbidden/*.
type target struct {
	name             string
	addr             string
	root             *api.Client
	roleID, secretID string
	seal, unseal     func(t *testing.T)
}

func newVaulttestTarget(t *testing.T) *target {
	srv := vaulttest.NewServer(t, vaulttest.WithMount(mount))
	srv.AddAppRole("app-role-id", "app-secret-id", "forbidden/")
	return &target{
		name:     "vaulttest",
		addr:     srv.URL(),
		root:     srv.Client(),
		roleID:   "app-role-id",
		secretID: "app-secret-id",
		seal:     func(*testing.T) { srv.Seal() },
		unseal:   func(*testing.T) { srv.ClearFaults() },
	}
}

func newCoreTarget(t *testing.T) *target {
	core, keys, rootToken := vault.TestCoreUnsealed(t)
	ln, addr := vaulthttp.TestServer(t, core)
	t.Cleanup(func() { ln.Close() })
	root := newClient(t, addr, rootToken, nil)
	ctx := context.Background()

	must(t, root.Sys().MountWithContext(ctx, mount, &api.MountInput{Type: "kv", Options: map[string]string{"version": "2"}}))
	must(t, root.Sys().EnableAuthWithOptionsWithContext(ctx, "approle", &api.EnableAuthOptions{Type: "approle"}))
	must(t, root.Sys().PutPolicyWithContext(ctx, "app", appPolicy))
	_, err := root.Logical().WriteWithContext(ctx, "auth/approle/role/app", map[string]any{"token_policies": "app", "token_ttl": "1h"})
	must(t, err)
	rid, err := root.Logical().ReadWithContext(ctx, "auth/approle/role/app/role-id")
	must(t, err)
	sid, err := root.Logical().WriteWithContext(ctx, "auth/approle/role/app/secret-id", nil)
	must(t, err)
	waitKV(t, root, "ready")

	return &target{
		name:     "core",
		addr:     addr,
		root:     root,
		roleID:   rid.Data["role_id"].(string),
		secretID: sid.Data["secret_id"].(string),
		seal: func(t *testing.T) {
			must(t, vault.TestCoreSeal(core))
		},
		unseal: func(t *testing.T) {
			for _, k := range keys {
				if _, err := vault.TestCoreUnseal(core, vault.TestKeyCopy(k)); err != nil {
					t.Fatal(err)
				}
			}
			waitKV(t, root, "unsealed")
		},
	}
}

// waitKV writes and reads until the KV v2 mount answers: a new mount, or
// a core just unsealed, sets itself up in the background.
func waitKV(t *testing.T, root *api.Client, what string) {
	t.Helper()
	kv := root.KVv2(mount)
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := kv.Put(context.Background(), "_probe", map[string]any{"value": what})
		if err == nil {
			if _, err = kv.Get(context.Background(), "_probe"); err == nil {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("KV mount not ready: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// newClient returns a client with fast retries that reads no environment
// and counts its requests in c (when not nil).
func newClient(t *testing.T, addr, token string, c *counter) *api.Client {
	t.Helper()
	transport := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(transport.CloseIdleConnections)
	var rt http.RoundTripper = transport
	if c != nil {
		rt = &countingTransport{next: transport, c: c}
	}
	client, err := api.NewClient(&api.Config{
		Address:      addr,
		HttpClient:   &http.Client{Transport: rt},
		MaxRetries:   2,
		MinRetryWait: time.Millisecond,
		MaxRetryWait: 5 * time.Millisecond,
		Timeout:      20 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	client.SetToken(token)
	return client
}

// counter counts KV v2 reads by path below the mount.
type counter struct {
	mu    sync.Mutex
	reads map[string]int
}

func (c *counter) get(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reads[path]
}

type countingTransport struct {
	next http.RoundTripper
	c    *counter
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if p, ok := strings.CutPrefix(r.URL.Path, "/v1/"+mount+"/data/"); ok && r.Method == http.MethodGet {
		t.c.mu.Lock()
		if t.c.reads == nil {
			t.c.reads = make(map[string]int)
		}
		t.c.reads[p]++
		t.c.mu.Unlock()
	}
	return t.next.RoundTrip(r)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
