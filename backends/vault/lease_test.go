package vault_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

var _ backendkit.LeaseBackend = (*vault.Backend)(nil)

// GetLease reads a leased path afresh each time: the whole data object as
// JSON, or one member, with the lease duration.
func TestGetLease(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	srv.AddDatabaseRole("app", 90*time.Second)
	srv.AddLeased("pki/issue/web", 0, func(n int) map[string]any {
		return map[string]any{"certificate": fmt.Sprintf("cert-%d", n), "serial": n}
	})
	srv.Put("kvpath", map[string]any{"value": "kv"})
	b := newBackend(t, srv)
	ctx := context.Background()

	type creds struct{ Username, Password string }
	var users []string
	for range 2 {
		v, valid, err := b.GetLease(ctx, vaultly.Ref{Path: "/database/creds/app"})
		if err != nil || valid != 90*time.Second {
			t.Fatalf("GetLease = %q, %v, %v; want the credentials for 90s", v, valid, err)
		}
		var c creds
		if err := json.Unmarshal([]byte(v), &c); err != nil || len(c.Password) != 32 {
			t.Fatalf("value %q does not decode into the credentials (%v)", v, err)
		}
		users = append(users, c.Username)
	}
	if diff := cmp.Diff([]string{"v-app-1", "v-app-2"}, users); diff != "" {
		t.Errorf("each read issues new credentials (-want +got):\n%s", diff)
	}

	tests := []struct {
		name  string
		ref   vaultly.Ref
		want  string
		valid time.Duration
		kind  error
	}{
		{"member by Key", vaultly.Ref{Path: "pki/issue/web", Key: "certificate"}, "cert-1", 0, nil},
		{"member by shorthand", vaultly.Ref{Path: "pki/issue/web:serial"}, "2", 0, nil},
		{"whole object", vaultly.Ref{Path: "pki/issue/web"}, `{"certificate":"cert-3","serial":3}`, 0, nil},
		{"missing member", vaultly.Ref{Path: "pki/issue/web", Key: "nope"}, "", 0, vaultly.ErrNotFound},
		{"version", vaultly.Ref{Path: "pki/issue/web", Version: "2"}, "", 0, vaultly.ErrConfig},
		{"Key and shorthand", vaultly.Ref{Path: "pki/issue/web:serial", Key: "certificate"}, "", 0, vaultly.ErrConfig},
		{"bad path", vaultly.Ref{Path: "pki/../sys/x"}, "", 0, vaultly.ErrConfig},
		{"no such path", vaultly.Ref{Path: "database/creds/none"}, "", 0, vaultly.ErrNotFound},
		{"a KV v2 path is the API's, not the entry's", vaultly.Ref{Path: "secret/data/kvpath", Key: "data"}, `{"value":"kv"}`, 0, nil},
	}
	for _, tt := range tests { // in order: the pki engine counts its reads
		got, valid, err := b.GetLease(ctx, tt.ref)
		if tt.kind != nil {
			var be *vaultly.BackendError
			if !errors.Is(err, tt.kind) || !errors.As(err, &be) || be.Ref != tt.ref {
				t.Errorf("%s: GetLease = %q, %v; want %v naming the Ref", tt.name, got, err, tt.kind)
			}
			continue
		}
		if err != nil || got != tt.want || valid != tt.valid {
			t.Errorf("%s: GetLease = %q, %v, %v; want %q, %v", tt.name, got, valid, err, tt.want, tt.valid)
		}
	}
}

// GetLease goes through the request path of every read: a 503 is
// transient, a 403 re-authenticates once.
func TestGetLeaseFailures(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	srv.AddDatabaseRole("app", time.Minute)
	srv.Inject(vaulttest.Fault{Path: "database/creds/app", Status: 503})
	b := newBackend(t, srv)
	if _, _, err := b.GetLease(context.Background(), vaultly.Ref{Path: "database/creds/app"}); !errors.Is(err, vaultly.ErrTransient) {
		t.Errorf("sealed: err = %v, want ErrTransient", err)
	}
	srv.ClearFaults()

	c := srv.Client()
	expired := srv.IssueToken()
	srv.RevokeToken(expired)
	c.SetToken(expired)
	tf := &tokenFunc{fn: func(context.Context) (string, error) { return srv.IssueToken(), nil }}
	b = newBackendWithClient(t, c, vault.WithTokenFunc(tf.get))
	if v, valid, err := b.GetLease(context.Background(), vaultly.Ref{Path: "database/creds/app"}); err != nil || valid != time.Minute || !strings.Contains(v, "username") {
		t.Errorf("GetLease after a 403 = %q, %v, %v", v, valid, err)
	}
	if n := tf.calls.Load(); n != 1 {
		t.Errorf("logins = %d, want 1", n)
	}
}

// With WithRevokeLeasesOnClose, Close revokes the leases handed out that
// have not expired; without it, none.
func TestRevokeLeasesOnClose(t *testing.T) {
	t.Parallel()
	for _, revoke := range []bool{true, false} {
		t.Run(fmt.Sprint(revoke), func(t *testing.T) {
			t.Parallel()
			srv := vaulttest.NewServer(t)
			srv.AddDatabaseRole("short", 10*time.Second)
			srv.AddDatabaseRole("long", time.Hour)
			b := newBackend(t, srv, vault.WithRevokeLeasesOnClose(revoke))
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			vault.SetLeaseClock(b, func() time.Time { return now })
			ctx := context.Background()
			for _, p := range []string{"database/creds/short", "database/creds/long", "database/creds/long"} {
				if _, _, err := b.GetLease(ctx, vaultly.Ref{Path: p}); err != nil {
					t.Fatal(err)
				}
			}
			now = now.Add(time.Minute) // the short lease has expired
			if err := b.Close(); err != nil {
				t.Fatalf("Close = %v", err)
			}
			var revoked []string
			for _, l := range srv.Leases() {
				if l.Revoked {
					revoked = append(revoked, l.Path)
				}
			}
			var want []string
			if revoke {
				want = []string{"database/creds/long", "database/creds/long"}
			}
			if diff := cmp.Diff(want, revoked); diff != "" {
				t.Errorf("revoked (-want +got):\n%s", diff)
			}
			if err := b.Close(); err != nil {
				t.Errorf("second Close = %v", err)
			}
		})
	}
}

// A revocation Vault refuses makes Close fail, counting the failures,
// without printing lease ids.
func TestRevokeLeasesRefused(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	srv.AddDatabaseRole("app", time.Hour)
	c := srv.Client()
	b := newBackendWithClient(t, c, vault.WithRevokeLeasesOnClose(true))
	if _, _, err := b.GetLease(context.Background(), vaultly.Ref{Path: "database/creds/app"}); err != nil {
		t.Fatal(err)
	}
	srv.RevokeToken(srv.RootToken())
	err := b.Close()
	if !errors.Is(err, vaultly.ErrAuth) || !strings.Contains(err.Error(), "revoking 1 of 1 leases failed") {
		t.Fatalf("Close = %v, want ErrAuth counting the failure", err)
	}
	if id := srv.Leases()[0].ID; strings.Contains(err.Error(), id) {
		t.Errorf("Close error %q prints the lease id", err)
	}
}

// An answer whose data is not a JSON object is transient and its error
// quotes nothing of the answer.
func TestGetLeaseMalformedData(t *testing.T) {
	t.Parallel()
	for _, data := range []string{`"s3cr3t-value"`, `["s3cr3t-value"]`, `42`} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"lease_id":"database/creds/app/s3cr3t-lease","lease_duration":60,"data":`+data+`}`)
		}))
		t.Cleanup(srv.Close)
		c, err := api.NewClient(&api.Config{Address: srv.URL, MaxRetries: 0})
		if err != nil {
			t.Fatal(err)
		}
		c.SetToken("s.test")
		b := newBackendWithClient(t, c)
		ref := vaultly.Ref{Path: "database/creds/app"}
		v, valid, err := b.GetLease(context.Background(), ref)
		var be *vaultly.BackendError
		if !errors.Is(err, vaultly.ErrTransient) || !errors.As(err, &be) || be.Ref != ref || v != "" || valid != 0 {
			t.Errorf("data %s: GetLease = %q, %v, %v; want ErrTransient naming the Ref", data, v, valid, err)
		}
		if err != nil && strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("data %s: error %q quotes the answer", data, err)
		}
	}
}
