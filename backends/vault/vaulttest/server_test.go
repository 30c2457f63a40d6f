package vaulttest_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

// The server must answer the real client the way Vault does.
func TestKVv2WireShapes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := vaulttest.NewServer(t)
	kv := srv.Client().KVv2(srv.Mount())

	for i, pw := range []string{"one", "two", "three"} {
		s, err := kv.Put(ctx, "app/db", map[string]any{"password": pw, "port": 5432})
		if err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
		if s.VersionMetadata.Version != i+1 {
			t.Fatalf("put %d: version %d", i, s.VersionMetadata.Version)
		}
	}

	got, err := kv.Get(ctx, "app/db")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"password": "three", "port": "5432"}, stringify(got.Data)); diff != "" {
		t.Errorf("latest (-want +got):\n%s", diff)
	}
	if got.VersionMetadata.Version != 3 {
		t.Errorf("latest version = %d, want 3", got.VersionMetadata.Version)
	}

	v2, err := kv.GetVersion(ctx, "app/db", 2)
	if err != nil || v2.Data["password"] != "two" {
		t.Fatalf("version 2: %v %v", err, v2)
	}

	if _, err := kv.Get(ctx, "missing"); !errors.Is(err, api.ErrSecretNotFound) {
		t.Errorf("missing path: err = %v, want ErrSecretNotFound", err)
	}
	if _, err := kv.GetVersion(ctx, "app/db", 9); !errors.Is(err, api.ErrSecretNotFound) {
		t.Errorf("missing version: err = %v, want ErrSecretNotFound", err)
	}

	// A deleted version: no error, nil data, metadata present.
	if err := kv.DeleteVersions(ctx, "app/db", []int{2}); err != nil {
		t.Fatal(err)
	}
	del, err := srv.Client().Logical().ReadWithDataWithContext(ctx, "secret/data/app/db", map[string][]string{"version": {"2"}})
	if err != nil {
		t.Fatalf("deleted version: err = %v, want nil (as the real client does)", err)
	}
	if del == nil || del.Data["data"] != nil || del.Data["metadata"] == nil {
		t.Fatalf("deleted version: secret = %#v, want null data with metadata", del)
	}
	md := del.Data["metadata"].(map[string]any)
	if md["deletion_time"] == "" || md["destroyed"] != false {
		t.Errorf("deleted metadata = %v", md)
	}

	if err := kv.Destroy(ctx, "app/db", []int{1}); err != nil {
		t.Fatal(err)
	}
	des, err := srv.Client().Logical().ReadWithDataWithContext(ctx, "secret/data/app/db", map[string][]string{"version": {"1"}})
	if err != nil || des == nil {
		t.Fatalf("destroyed version: %v %v", err, des)
	}
	if md := des.Data["metadata"].(map[string]any); md["destroyed"] != true {
		t.Errorf("destroyed metadata = %v", md)
	}

	// Delete latest (DELETE data/...): latest reads as deleted.
	if err := kv.Delete(ctx, "app/db"); err != nil {
		t.Fatal(err)
	}
	if s, err := srv.Client().Logical().ReadWithContext(ctx, "secret/data/app/db"); err != nil || s == nil || s.Data["data"] != nil {
		t.Errorf("deleted latest: %v %#v", err, s)
	}
}

func stringify(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		switch v := v.(type) {
		case interface{ String() string }:
			out[k] = v.String()
		default:
			out[k] = v
		}
	}
	return out
}

func TestTokensAndAppRole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := vaulttest.NewServer(t)
	srv.Put("app/key", map[string]any{"value": "v"})
	srv.Put("admin/key", map[string]any{"value": "v"})
	srv.AddAppRole("role", "secret", "admin/")

	c := srv.Client()
	c.ClearToken()
	s, err := c.Auth().Login(ctx, vaulttest.AppRole{RoleID: "role", SecretID: "secret"})
	if err != nil || s.Auth.ClientToken == "" {
		t.Fatalf("login: %v %v", err, s)
	}
	if _, err := c.KVv2("secret").Get(ctx, "app/key"); err != nil {
		t.Errorf("allowed read: %v", err)
	}
	_, err = c.KVv2("secret").Get(ctx, "admin/key")
	var re *api.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusForbidden {
		t.Errorf("denied read: err = %v, want 403", err)
	}

	if _, err := c.Auth().Login(ctx, vaulttest.AppRole{RoleID: "role", SecretID: "wrong"}); !errors.As(err, &re) || re.StatusCode != http.StatusBadRequest {
		t.Errorf("bad secret_id: err = %v, want 400", err)
	}
	if got := srv.Logins(); got != 2 {
		t.Errorf("Logins() = %d, want 2", got)
	}

	if err := c.Auth().Token().RevokeSelfWithContext(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.KVv2("secret").Get(ctx, "app/key"); !errors.As(err, &re) || re.StatusCode != http.StatusForbidden {
		t.Errorf("revoked token: err = %v, want 403", err)
	}

	tok := srv.IssueToken()
	c.SetToken(tok)
	if _, err := c.KVv2("secret").Get(ctx, "app/key"); err != nil {
		t.Errorf("issued token: %v", err)
	}
	srv.RevokeToken(tok)
	if _, err := c.KVv2("secret").Get(ctx, "app/key"); !errors.As(err, &re) || re.StatusCode != http.StatusForbidden {
		t.Errorf("RevokeToken: err = %v, want 403", err)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		fault     vaulttest.Fault
		status    int // 0: a transport error
		errs      []string
		wantReads int // the client retries 429, 5xx, 412 and dropped connections twice
	}{
		{"403", vaulttest.Fault{Status: 403}, 403, []string{"permission denied"}, 1},
		{"412", vaulttest.Fault{Status: 412}, 412, nil, 3},
		{"429", vaulttest.Fault{Status: 429}, 429, nil, 3},
		{"500", vaulttest.Fault{Status: 500}, 500, []string{"internal error"}, 3},
		{"503 sealed", vaulttest.Fault{Status: 503}, 503, []string{"Vault is sealed"}, 3},
		{"dropped", vaulttest.Fault{Drop: true}, 0, nil, 3},
		{"once", vaulttest.Fault{Status: 503, Times: 1}, 200, nil, 2},
		{"other path", vaulttest.Fault{Status: 503, Path: "other"}, 200, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := vaulttest.NewServer(t)
			srv.Put("p", map[string]any{"value": "v"})
			srv.Inject(tt.fault)
			_, err := srv.Client().KVv2("secret").Get(context.Background(), "p")
			var re *api.ResponseError
			switch {
			case tt.status == 200:
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
			case tt.status == 0:
				if err == nil || errors.As(err, &re) {
					t.Fatalf("err = %v, want a transport error", err)
				}
			default:
				if !errors.As(err, &re) || re.StatusCode != tt.status {
					t.Fatalf("err = %v, want status %d", err, tt.status)
				}
				if tt.errs != nil {
					if diff := cmp.Diff(tt.errs, re.Errors); diff != "" {
						t.Errorf("errors (-want +got):\n%s", diff)
					}
				}
			}
			if got := srv.Reads("p"); got != tt.wantReads {
				t.Errorf("Reads = %d, want %d", got, tt.wantReads)
			}
		})
	}
}

func TestHoldHonoursCancellation(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	srv.Put("p", map[string]any{"value": "v"})
	hold := make(chan struct{})
	defer close(hold)
	srv.Inject(vaulttest.Fault{Hold: hold})

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := srv.Client().KVv2("secret").Get(ctx, "p")
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestRequestsLog(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t, vaulttest.WithMount("kv"))
	srv.Put("p", map[string]any{"value": "v"})
	c := srv.Client()
	c.SetNamespace("team-a")
	if _, err := c.KVv2("kv").GetVersion(context.Background(), "p", 1); err != nil {
		t.Fatal(err)
	}
	want := []vaulttest.Request{{Method: "GET", Path: "/v1/kv/data/p", Query: "version=1", Namespace: "team-a", Status: 200}}
	if diff := cmp.Diff(want, srv.Requests()); diff != "" {
		t.Errorf("Requests (-want +got):\n%s", diff)
	}
	srv.ResetCounts()
	if n := len(srv.Requests()) + srv.TotalReads(); n != 0 {
		t.Errorf("after ResetCounts: %d", n)
	}
}
