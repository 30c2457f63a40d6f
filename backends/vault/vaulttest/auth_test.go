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

	"github.com/vaultly/vaultly/backends/mock"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

// status returns the HTTP status of err (0 for nil).
func status(err error) int {
	var re *api.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode
	}
	if err != nil {
		return -1
	}
	return 0
}

// A login's token lives its TTL in the server's clock; renew-self extends
// it by its TTL or the increment asked for, never past its max TTL (with
// Vault's warning); an expired token is refused.
func TestTokenTTLs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := mock.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := vaulttest.NewServer(t, vaulttest.WithClock(clk.Now), vaulttest.WithTokenTTL(time.Hour, 3*time.Hour))
	srv.AddAppRole("role", "sid")
	c := srv.Client()
	c.ClearToken()
	s, err := c.Auth().Login(ctx, vaulttest.AppRole{RoleID: "role", SecretID: "sid"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Auth.LeaseDuration != 3600 || !s.Auth.Renewable {
		t.Errorf("login: lease_duration %d, renewable %v; want 3600, true", s.Auth.LeaseDuration, s.Auth.Renewable)
	}
	tok := c.Auth().Token()

	clk.Advance(40 * time.Minute)
	look, err := tok.LookupSelfWithContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ttl, _ := look.TokenTTL()
	renewable, _ := look.TokenIsRenewable()
	if ttl != 20*time.Minute || !renewable {
		t.Errorf("lookup-self at 40m: ttl %s, renewable %v; want 20m, true", ttl, renewable)
	}

	type renewal struct {
		TTL      int
		Warnings int
	}
	var got []renewal
	for _, inc := range []int{0, 600, 10000} { // at 40m: 1h; 600 s; capped at 2h20m
		r, err := tok.RenewSelfWithContext(ctx, inc)
		if err != nil {
			t.Fatalf("renew-self %d: %v", inc, err)
		}
		got = append(got, renewal{r.Auth.LeaseDuration, len(r.Warnings)})
	}
	if diff := cmp.Diff([]renewal{{3600, 0}, {600, 0}, {8400, 1}}, got); diff != "" {
		t.Errorf("renewals (-want +got):\n%s", diff)
	}
	if n := srv.Renewals(); n != 3 {
		t.Errorf("Renewals = %d, want 3", n)
	}
	if exp, ok := srv.TokenExpiry(c.Token()); !ok || !exp.Equal(clk.Now().Add(140*time.Minute)) {
		t.Errorf("TokenExpiry = %s, %v; want %s", exp, ok, clk.Now().Add(140*time.Minute))
	}

	clk.Advance(140 * time.Minute)
	_, err = tok.LookupSelfWithContext(ctx)
	if status(err) != http.StatusForbidden {
		t.Errorf("lookup-self after expiry: %v, want 403", err)
	}
	if _, ok := srv.TokenExpiry(srv.IssueToken()); ok {
		t.Error("IssueToken's token has an expiry")
	}
}

func TestWithTokenTTLErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range [][2]time.Duration{{0, time.Hour}, {time.Hour, time.Minute}, {time.Millisecond, time.Second}} {
		if _, err := vaulttest.New(vaulttest.WithTokenTTL(tc[0], tc[1])); err == nil || !strings.Contains(err.Error(), "WithTokenTTL") {
			t.Errorf("WithTokenTTL(%s, %s): %v, want an error naming it", tc[0], tc[1], err)
		}
	}
}

// Kubernetes and AWS logins, and wrapping tokens that unwrap once.
func TestLoginsAndWrapping(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := vaulttest.NewServer(t)
	srv.AddKubernetesRole("app", "jwt-1")
	c := srv.Client()
	c.ClearToken()
	login := func(path string, body map[string]any) error {
		_, err := c.Logical().WriteWithContext(ctx, path, body)
		return err
	}
	got := []int{
		status(login("auth/kubernetes/login", map[string]any{"role": "app", "jwt": "jwt-1"})),
		status(login("auth/k8s-other/login", map[string]any{"role": "app", "jwt": "jwt-1"})), // any mount
		status(login("auth/kubernetes/login", map[string]any{"role": "app", "jwt": "jwt-2"})),
		status(login("auth/kubernetes/login", map[string]any{"role": "none", "jwt": "jwt-1"})),
		status(login("auth/aws/login", map[string]any{"role": "app", "iam_http_request_method": "POST"})),
		status(login("auth/approle/login", map[string]any{"bad": 1})),
	}
	if diff := cmp.Diff([]int{0, 0, 400, 400, 400, 400}, got); diff != "" {
		t.Errorf("login statuses (-want +got):\n%s", diff)
	}
	if n := srv.Logins(); n != 6 {
		t.Errorf("Logins = %d, want 6", n)
	}

	wt := srv.Wrap(map[string]any{"secret_id": "s"})
	s, err := srv.Client().Logical().UnwrapWithContext(ctx, wt)
	if err != nil || s.Data["secret_id"] != "s" {
		t.Fatalf("unwrap = %v, %v", s, err)
	}
	_, err = srv.Client().Logical().UnwrapWithContext(ctx, wt)
	if status(err) != http.StatusBadRequest {
		t.Errorf("second unwrap: %v, want 400", err)
	}
}
