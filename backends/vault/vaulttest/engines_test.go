package vaulttest_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

// A KV v1 mount answers the real client's KVv1 helpers and LIST.
func TestKVv1(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := vaulttest.NewServer(t, vaulttest.WithKVVersion(1), vaulttest.WithMount("kv1"))
	if v := srv.KVVersion(); v != 1 {
		t.Fatalf("KVVersion = %d, want 1", v)
	}
	c := srv.Client()
	kv := c.KVv1("kv1")
	must(t, kv.Put(ctx, "app/db", map[string]any{"user": "u", "port": 5432}))
	must(t, kv.Put(ctx, "app/db", map[string]any{"user": "u2"})) // replaces
	if n := srv.Put("app/sub/x", map[string]any{"value": "x"}); n != 1 {
		t.Errorf("Put on KV v1 = version %d, want 1", n)
	}
	s, err := kv.Get(ctx, "app/db")
	must(t, err)
	if diff := cmp.Diff(map[string]any{"user": "u2"}, s.Data); diff != "" {
		t.Errorf("read (-want +got):\n%s", diff)
	}
	if raw := s.Raw; raw.LeaseDuration != 2764800 || raw.LeaseID != "" {
		t.Errorf("lease %q %d, want none and Vault's default TTL 2764800", raw.LeaseID, raw.LeaseDuration)
	}
	if _, err := kv.Get(ctx, "app/none"); !errors.Is(err, api.ErrSecretNotFound) {
		t.Errorf("missing: err = %v, want ErrSecretNotFound", err)
	}

	for _, tc := range []struct {
		folder string
		want   []any
	}{
		{"kv1/app", []any{"db", "sub/"}},
		{"kv1/", []any{"app/"}},
		{"kv1/app/sub", []any{"x"}},
	} {
		l, err := c.Logical().ListWithContext(ctx, tc.folder)
		must(t, err)
		if l == nil {
			t.Fatalf("LIST %s: nothing", tc.folder)
		}
		if diff := cmp.Diff(tc.want, l.Data["keys"]); diff != "" {
			t.Errorf("LIST %s (-want +got):\n%s", tc.folder, diff)
		}
	}
	if l, err := c.Logical().ListWithContext(ctx, "kv1/none"); err != nil || l != nil {
		t.Errorf("LIST of nothing = %v, %v; want nil, nil (a 404)", l, err)
	}
	if n := srv.Lists("app"); n != 1 {
		t.Errorf("Lists(app) = %d, want 1", n)
	}
	must(t, kv.Delete(ctx, "app/db"))
	if _, err := kv.Get(ctx, "app/db"); !errors.Is(err, api.ErrSecretNotFound) {
		t.Errorf("deleted: err = %v, want ErrSecretNotFound", err)
	}
}

// LIST on KV v2 lists metadata: a path whose latest version is deleted is
// still listed; one whose metadata is deleted is not.
func TestKVv2List(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := vaulttest.NewServer(t)
	srv.Put("app/a", map[string]any{"value": "a"})
	srv.Put("app/b/c", map[string]any{"value": "c"})
	srv.Put("app/gone", map[string]any{"value": "g"})
	srv.Delete("app/gone")
	srv.Put("app/dropped", map[string]any{"value": "d"})
	srv.DeleteMetadata("app/dropped")
	l, err := srv.Client().Logical().ListWithContext(ctx, "secret/metadata/app")
	must(t, err)
	if diff := cmp.Diff([]any{"a", "b/", "gone"}, l.Data["keys"]); diff != "" {
		t.Errorf("LIST (-want +got):\n%s", diff)
	}
	srv.Inject(vaulttest.Fault{Path: "app", Status: http.StatusForbidden, Times: 1})
	if _, err := srv.Client().Logical().ListWithContext(ctx, "secret/metadata/app"); err == nil {
		t.Error("LIST with a 403 fault succeeded")
	}
}

// The mount check answers with the mount's type and version, and 403 for
// a path outside the mount.
func TestMountInfo(t *testing.T) {
	t.Parallel()
	for _, v := range []int{1, 2} {
		srv := vaulttest.NewServer(t, vaulttest.WithKVVersion(v))
		s, err := srv.Client().Logical().Read("sys/internal/ui/mounts/secret")
		must(t, err)
		want := map[string]any{"type": "kv", "path": "secret/", "options": map[string]any{"version": string(rune('0' + v))}}
		got := map[string]any{"type": s.Data["type"], "path": s.Data["path"], "options": s.Data["options"]}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("v%d (-want +got):\n%s", v, diff)
		}
		var re *api.ResponseError
		if _, err := srv.Client().Logical().Read("sys/internal/ui/mounts/other"); !errors.As(err, &re) || re.StatusCode != 403 {
			t.Errorf("outside the mount: err = %v, want 403", err)
		}
	}
	if _, err := vaulttest.New(vaulttest.WithKVVersion(3)); err == nil {
		t.Error("WithKVVersion(3) accepted")
	}
}

// A leased path issues new credentials with a new lease at every read;
// sys/leases/revoke marks a lease revoked.
func TestLeased(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	srv := vaulttest.NewServer(t, vaulttest.WithClock(func() time.Time { return start }))
	srv.AddDatabaseRole("app", 90*time.Second)
	c := srv.Client()

	var users []any
	for range 2 {
		s, err := c.Logical().ReadWithContext(ctx, "database/creds/app")
		must(t, err)
		if s.LeaseDuration != 90 || !s.Renewable || !strings.HasPrefix(s.LeaseID, "database/creds/app/") {
			t.Errorf("lease %q %d %v, want database/creds/app/..., 90 s, renewable", s.LeaseID, s.LeaseDuration, s.Renewable)
		}
		if pw, _ := s.Data["password"].(string); len(pw) != 32 {
			t.Errorf("password %q, want 32 hex digits", pw)
		}
		users = append(users, s.Data["username"])
	}
	if diff := cmp.Diff([]any{"v-app-1", "v-app-2"}, users); diff != "" {
		t.Errorf("users (-want +got):\n%s", diff)
	}
	leases := srv.Leases()
	if len(leases) != 2 || srv.LeasedReads("database/creds/app") != 2 {
		t.Fatalf("leases %v, reads %d; want 2 of each", leases, srv.LeasedReads("database/creds/app"))
	}
	_, err := c.Logical().WriteWithContext(ctx, "sys/leases/revoke", map[string]any{"lease_id": leases[0].ID})
	must(t, err)
	want := []vaulttest.Lease{
		{ID: leases[0].ID, Path: "database/creds/app", TTL: 90 * time.Second, Issued: start, Revoked: true},
		{ID: leases[1].ID, Path: "database/creds/app", TTL: 90 * time.Second, Issued: start},
	}
	if diff := cmp.Diff(want, srv.Leases()); diff != "" {
		t.Errorf("leases (-want +got):\n%s", diff)
	}
	var re *api.ResponseError
	if _, err := c.Logical().WriteWithContext(ctx, "sys/leases/revoke", map[string]any{}); !errors.As(err, &re) || re.StatusCode != 400 {
		t.Errorf("revoke without an id: err = %v, want 400", err)
	}
	srv.Inject(vaulttest.Fault{Path: "database/creds/app", Status: http.StatusServiceUnavailable})
	if _, err := c.Logical().ReadWithContext(ctx, "database/creds/app"); !errors.As(err, &re) || re.StatusCode != 503 {
		t.Errorf("with a fault: err = %v, want 503", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
