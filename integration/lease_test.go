package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/vault/api"
	vaultcore "github.com/hashicorp/vault/vault"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

func init() {
	// The leased-secret scenarios mount Vault's leased passthrough engine
	// on the real core: every read of it hands out a new lease, whose
	// duration is the entry's "ttl". (The PKI engine does not build
	// against the vault/sdk this module pins: see docs/vault.md.)
	if err := vaultcore.AddTestLogicalBackend("leased-kv", vaultcore.LeasedPassthroughBackendFactory); err != nil {
		panic(err)
	}
}

// leaseTTL is the lease of the leased secret in every target.
const leaseTTL = 30 * time.Second

// leaseTarget is a Vault serving a leased secret at leased/creds.
type leaseTarget struct {
	name string
	addr string
	root *api.Client
	// setPassword makes the next reads issue this password.
	setPassword func(t *testing.T, pw string)
	// liveLeases returns how many leases of leased/creds are not revoked.
	liveLeases func(t *testing.T) int
}

func newCoreLeaseTarget(t *testing.T) *leaseTarget {
	tg := newCoreTarget(t)
	ctx := context.Background()
	must(t, tg.root.Sys().MountWithContext(ctx, "leased", &api.MountInput{Type: "leased-kv"}))
	set := func(t *testing.T, pw string) {
		_, err := tg.root.Logical().WriteWithContext(ctx, "leased/creds",
			map[string]any{"username": "app", "password": pw, "ttl": fmt.Sprint(int(leaseTTL.Seconds()))})
		must(t, err)
	}
	set(t, "pw-1")
	return &leaseTarget{
		name: "core", addr: tg.addr, root: tg.root, setPassword: set,
		liveLeases: func(t *testing.T) int {
			s, err := tg.root.Logical().ListWithContext(ctx, "sys/leases/lookup/leased/creds/")
			must(t, err)
			if s == nil {
				return 0
			}
			keys, _ := s.Data["keys"].([]any)
			return len(keys)
		},
	}
}

func newFakeLeaseTarget(t *testing.T) *leaseTarget {
	srv := vaulttest.NewServer(t, vaulttest.WithMount(mount))
	var mu sync.Mutex
	pw := "pw-1"
	srv.AddLeased("leased/creds", leaseTTL, func(int) map[string]any {
		mu.Lock()
		defer mu.Unlock()
		return map[string]any{"username": "app", "password": pw, "ttl": fmt.Sprint(int(leaseTTL.Seconds()))}
	})
	return &leaseTarget{
		name: "vaulttest", addr: srv.URL(), root: srv.Client(),
		setPassword: func(_ *testing.T, p string) {
			mu.Lock()
			pw = p
			mu.Unlock()
		},
		liveLeases: func(*testing.T) int {
			n := 0
			for _, l := range srv.Leases() {
				if !l.Revoked {
					n++
				}
			}
			return n
		},
	}
}

type dbCreds struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type leasedConfig struct {
	Creds vaultly.Secret[dbCreds] `secret:"leased/creds,lease"`
}

// TestLeasedSecret: a field with the lease option is read with a plain
// logical read; its lease (30 s) makes the cached value stale at two
// thirds of it, so the next Get fetches new credentials; Close revokes the
// leases with WithRevokeLeasesOnClose.
func TestLeasedSecret(t *testing.T) {
	for _, mk := range []func(*testing.T) *leaseTarget{newFakeLeaseTarget, newCoreLeaseTarget} {
		tg := mk(t)
		t.Run(tg.name, func(t *testing.T) {
			ctx := context.Background()
			b, err := vault.New(vault.WithClient(newClient(t, tg.addr, tg.root.Token(), nil)),
				vault.WithMount(mount), vault.WithRevokeLeasesOnClose(true))
			must(t, err)

			v, valid, err := b.GetLease(ctx, vaultly.Ref{Path: "leased/creds"})
			must(t, err)
			var c dbCreds
			must(t, json.Unmarshal([]byte(v), &c))
			if c != (dbCreds{"app", "pw-1"}) || valid != leaseTTL {
				t.Fatalf("GetLease = %+v, %v; want pw-1 for %v", c, valid, leaseTTL)
			}

			clk := newFakeClock()
			loader, err := vaultly.New(b, vaultly.WithClock(clk.Now))
			must(t, err)
			defer loader.Close()
			var cfg leasedConfig
			must(t, loader.Load(ctx, &cfg))
			tg.setPassword(t, "pw-2")
			var got []string
			for _, step := range []time.Duration{0, 19 * time.Second, 2 * time.Second} { // 0 s, 19 s, 21 s
				clk.Advance(step)
				c, err := cfg.Creds.Get(ctx)
				must(t, err)
				got = append(got, c.Password)
			}
			if diff := cmp.Diff([]string{"pw-1", "pw-1", "pw-2"}, got); diff != "" {
				t.Errorf("passwords at 0 s, 19 s, 21 s of a 30 s lease (-want +got):\n%s", diff)
			}
			if n := tg.liveLeases(t); n != 3 {
				t.Errorf("live leases before Close = %d, want 3 (GetLease, Load, the refresh)", n)
			}
			must(t, b.Close())
			if n := tg.liveLeases(t); n != 0 {
				t.Errorf("live leases after Close = %d, want 0", n)
			}
		})
	}
}
