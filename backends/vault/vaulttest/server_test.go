package vaulttest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
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

func TestNewOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []vaulttest.Option
		want []string // fragments of the error text
	}{
		{"empty mount", []vaulttest.Option{vaulttest.WithMount("")}, []string{`WithMount(""): empty mount`}},
		{"mount of slashes", []vaulttest.Option{vaulttest.WithMount("//")}, []string{`WithMount("//"): empty mount`}},
		{"empty root token", []vaulttest.Option{vaulttest.WithRootToken("")}, []string{"WithRootToken: empty token"}},
		{"nil clock", []vaulttest.Option{vaulttest.WithClock(nil)}, []string{"WithClock: nil clock"}},
		{"every bad option at once", []vaulttest.Option{vaulttest.WithClock(nil), vaulttest.WithMount("")},
			[]string{"WithClock: nil clock", "WithMount"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, err := vaulttest.New(tt.opts...)
			if err == nil || srv != nil {
				t.Fatalf("New = %v, %v; want an error", srv, err)
			}
			for _, frag := range tt.want {
				if !strings.Contains(err.Error(), frag) {
					t.Errorf("error %q does not contain %q", err, frag)
				}
			}
		})
	}

	t.Run("options applied, nil ignored", func(t *testing.T) {
		t.Parallel()
		srv, err := vaulttest.New(nil, vaulttest.WithMount("/kv/"), vaulttest.WithRootToken("root"))
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		if srv.Mount() != "kv" || srv.RootToken() != "root" {
			t.Errorf("mount %q, root token %q; want kv, root", srv.Mount(), srv.RootToken())
		}
	})
	t.Run("NewServer fails the test on a bad option", func(t *testing.T) {
		t.Parallel()
		rec := &fatalTB{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			vaulttest.NewServer(rec, vaulttest.WithClock(nil))
			rec.returned = true
		}()
		<-done
		if rec.returned || !strings.Contains(rec.fatal, "WithClock: nil clock") {
			t.Errorf("NewServer returned %v, Fatal %q; want a Fatal naming WithClock", rec.returned, rec.fatal)
		}
	})
}

// fatalTB records Fatalf and ends the goroutine, as testing.T does.
type fatalTB struct {
	testing.TB
	fatal    string
	returned bool
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// A KV read with X-Vault-Wrap-TTL is answered as Vault does: wrap_info
// and no data.
func TestWrappedRead(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	srv.Put("p", map[string]any{"value": "v"})
	c := srv.Client()
	c.SetWrappingLookupFunc(func(string, string) string { return "5m" })
	s, err := c.Logical().ReadWithContext(context.Background(), srv.Mount()+"/data/p")
	if err != nil {
		t.Fatal(err)
	}
	if s.WrapInfo == nil || s.WrapInfo.Token == "" || s.WrapInfo.TTL != 300 || s.Data != nil {
		t.Errorf("answer %+v (wrap info %+v), want wrap info with a token and a TTL of 300 s, and no data", s, s.WrapInfo)
	}
	if w := srv.Requests()[0].WrapTTL; w != "5m" {
		t.Errorf("recorded wrap TTL %q, want 5m", w)
	}
}
