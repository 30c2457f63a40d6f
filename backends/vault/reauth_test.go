package vault_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

// 100 readers meet an expired token at once: the token function is called
// once and every read succeeds.
func TestReauthSingleFlight(t *testing.T) {
	t.Parallel()
	const readers = 100
	srv := vaulttest.NewServer(t)
	srv.Put("app/db", map[string]any{"password": "pw"})
	expired := srv.IssueToken()
	srv.RevokeToken(expired)

	c, refused := watchedClient(t, srv, http.StatusForbidden, readers)
	c.SetToken(expired)
	tf := &tokenFunc{fn: func(ctx context.Context) (string, error) {
		// Log in only once every reader has been refused, so that all
		// of them are waiting for this one login.
		for range readers {
			select {
			case <-refused:
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}
		return srv.IssueToken(), nil
	}}
	b := newBackendWithClient(t, c, vault.WithTokenFunc(tf.get))
	var hooks reauthHooks
	ctx := hooks.ctx(context.Background())

	var wg sync.WaitGroup
	errs := make([]error, readers)
	vals := make([]string, readers)
	for i := range readers {
		wg.Go(func() {
			vals[i], errs[i] = b.Get(ctx, vaultly.Ref{Path: "app/db:password"})
		})
	}
	wg.Wait()
	for i := range readers {
		if errs[i] != nil || vals[i] != "pw" {
			t.Fatalf("reader %d: Get = %q, %v", i, vals[i], errs[i])
		}
	}
	if n := tf.calls.Load(); n != 1 {
		t.Errorf("token function called %d times, want 1", n)
	}
	if diff := cmp.Diff([]error{nil}, hooks.calls()); diff != "" {
		t.Errorf("OnReauth calls (-want +got):\n%s", diff)
	}
	if n := srv.Reads("app/db"); n != 2*readers {
		t.Errorf("reads = %d, want %d (one refused and one good each)", n, 2*readers)
	}
}

// A fresh token that is refused too is ErrAuth, after exactly one login
// and one retry: no loop.
func TestReauthRefusedFreshToken(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	srv.Put("admin/key", map[string]any{"value": "x"})
	srv.AddAppRole("app", "s3", "admin/")

	for _, tc := range []struct {
		name string
		opt  func(srv *vaulttest.Server, tf *tokenFunc) vault.Option
	}{
		{"token func", func(srv *vaulttest.Server, tf *tokenFunc) vault.Option {
			tf.fn = func(context.Context) (string, error) { return srv.IssueToken("admin/"), nil }
			return vault.WithTokenFunc(tf.get)
		}},
		{"auth method", func(srv *vaulttest.Server, tf *tokenFunc) vault.Option {
			return vault.WithAuth(countingAuth{tf, vaulttest.AppRole{RoleID: "app", SecretID: "s3"}})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv.ResetCounts()
			tf := &tokenFunc{}
			c := srv.Client()
			c.SetToken(srv.IssueToken("admin/"))
			b := newBackendWithClient(t, c, tc.opt(srv, tf))
			var hooks reauthHooks
			_, err := b.Get(hooks.ctx(context.Background()), vaultly.Ref{Path: "admin/key"})
			if !errors.Is(err, vaultly.ErrAuth) {
				t.Fatalf("err = %v, want ErrAuth", err)
			}
			var re *api.ResponseError
			if !errors.As(err, &re) || re.StatusCode != http.StatusForbidden {
				t.Errorf("err = %v, want the 403 *api.ResponseError", err)
			}
			if n := tf.calls.Load(); n != 1 {
				t.Errorf("logins = %d, want 1", n)
			}
			if n := srv.Reads("admin/key"); n != 2 {
				t.Errorf("reads = %d, want 2", n)
			}
			if diff := cmp.Diff([]error{nil}, hooks.calls()); diff != "" {
				t.Errorf("OnReauth calls (-want +got):\n%s", diff)
			}
		})
	}
}

type countingAuth struct {
	tf *tokenFunc
	m  api.AuthMethod
}

func (a countingAuth) Login(ctx context.Context, c *api.Client) (*api.Secret, error) {
	a.tf.calls.Add(1)
	if c.Token() != "" {
		return nil, errors.New("login client still carries the refused token")
	}
	return a.m.Login(ctx, c)
}

func TestReauthFailures(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	tests := []struct {
		name      string
		fn        func(ctx context.Context) (string, error)
		wantKind  error
		wantCause error
	}{
		{"error", func(context.Context) (string, error) { return "", boom }, vaultly.ErrAuth, boom},
		{"empty token", func(context.Context) (string, error) { return "", nil }, vaultly.ErrAuth, nil},
		{"unprintable token", func(context.Context) (string, error) { return "a\nb", nil }, vaultly.ErrAuth, nil},
		{"vault down during login", func(context.Context) (string, error) {
			return "", &api.ResponseError{StatusCode: 503, Errors: []string{"Vault is sealed"}}
		}, vaultly.ErrTransient, nil},
		{"login says transient", func(context.Context) (string, error) {
			return "", backendkit.NewError("mylogin", vaultly.ErrTransient, vaultly.Ref{}, nil)
		}, vaultly.ErrTransient, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := vaulttest.NewServer(t)
			srv.Put("p", map[string]any{"value": "v"})
			tf := &tokenFunc{fn: tt.fn}
			c := srv.Client()
			c.SetToken("revoked")
			b := newBackendWithClient(t, c, vault.WithTokenFunc(tf.get))
			var hooks reauthHooks
			_, err := b.Get(hooks.ctx(context.Background()), vaultly.Ref{Path: "p"})
			if !errors.Is(err, tt.wantKind) {
				t.Fatalf("err = %v, want %v", err, tt.wantKind)
			}
			if tt.wantCause != nil && !errors.Is(err, tt.wantCause) {
				t.Errorf("err = %v, want the cause kept", err)
			}
			var be *vaultly.BackendError
			if !errors.As(err, &be) || be.Ref.Path != "p" {
				t.Errorf("err = %v, want a BackendError naming the Ref", err)
			}
			if n := tf.calls.Load(); n != 1 {
				t.Errorf("token function called %d times, want 1", n)
			}
			calls := hooks.calls()
			if len(calls) != 1 || !errors.Is(calls[0], tt.wantKind) {
				t.Errorf("OnReauth calls = %v, want one failure", calls)
			}
		})
	}
}

// With a login method and no token, the backend logs in before its first
// read instead of collecting a 403 first.
func TestLoginBeforeFirstRead(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	srv.Put("p", map[string]any{"value": "v"})
	srv.AddAppRole("app", "s3")
	c := srv.Client()
	c.ClearToken()
	b := newBackendWithClient(t, c, vault.WithAuth(vaulttest.AppRole{RoleID: "app", SecretID: "s3"}))
	for range 3 {
		if got, err := b.Get(context.Background(), vaultly.Ref{Path: "p"}); err != nil || got != "v" {
			t.Fatalf("Get = %q, %v", got, err)
		}
	}
	if n := srv.Logins(); n != 1 {
		t.Errorf("logins = %d, want 1", n)
	}
	var statuses []int
	for _, r := range srv.Requests() {
		statuses = append(statuses, r.Status)
	}
	if diff := cmp.Diff([]int{200, 200, 200, 200}, statuses); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
}

// A revoked token is renewed through a token function that logs in again.
func TestRevokedTokenRenewed(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	srv.Put("p", map[string]any{"value": "v"})
	srv.AddAppRole("app", "s3")
	login := func(ctx context.Context) (string, error) {
		lc := srv.Client()
		lc.ClearToken()
		s, err := lc.Auth().Login(ctx, vaulttest.AppRole{RoleID: "app", SecretID: "s3"})
		if err != nil {
			return "", err
		}
		return s.Auth.ClientToken, nil
	}
	c := srv.Client()
	c.ClearToken()
	b := newBackendWithClient(t, c, vault.WithTokenFunc(login))
	ctx := context.Background()
	if _, err := b.Get(ctx, vaultly.Ref{Path: "p"}); err != nil {
		t.Fatal(err)
	}
	first := c.Token()
	srv.RevokeToken(first)
	if got, err := b.Get(ctx, vaultly.Ref{Path: "p"}); err != nil || got != "v" {
		t.Fatalf("after revoke: Get = %q, %v", got, err)
	}
	if c.Token() == first || srv.Logins() != 2 {
		t.Errorf("token not renewed: logins = %d", srv.Logins())
	}
}

// A caller that gives up while a login is in flight gets its context
// error; the login still completes for the others.
func TestReauthWaitHonoursCancellation(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	srv.Put("p", map[string]any{"value": "v"})
	release := make(chan struct{})
	started := make(chan struct{})
	tf := &tokenFunc{fn: func(ctx context.Context) (string, error) {
		close(started)
		<-release
		return srv.IssueToken(), nil
	}}
	c := srv.Client()
	c.SetToken("revoked")
	b := newBackendWithClient(t, c, vault.WithTokenFunc(tf.get))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := b.Get(ctx, vaultly.Ref{Path: "p"})
		done <- err
	}()
	<-started
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) || errors.Is(err, vaultly.ErrTransient) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	close(release)
	if got, err := b.Get(context.Background(), vaultly.Ref{Path: "p"}); err != nil || got != "v" {
		t.Fatalf("Get after login = %q, %v", got, err)
	}
	if n := tf.calls.Load(); n != 1 {
		t.Errorf("token function called %d times, want 1", n)
	}
}

// A login that cannot reach Vault is transient, not an auth failure.
func TestReauthLoginUnreachable(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	srv.Put("p", map[string]any{"value": "v"})
	srv.AddAppRole("app", "s3")
	srv.Inject(vaulttest.Fault{Login: true, Drop: true})
	c := srv.Client()
	c.ClearToken()
	b := newBackendWithClient(t, c, vault.WithAuth(vaulttest.AppRole{RoleID: "app", SecretID: "s3"}))
	_, err := b.Get(context.Background(), vaultly.Ref{Path: "p"})
	if !errors.Is(err, vaultly.ErrTransient) || errors.Is(err, vaultly.ErrAuth) {
		t.Fatalf("err = %v, want ErrTransient", err)
	}
	if n := srv.Logins(); n != 3 {
		t.Errorf("login attempts = %d, want 3 (the client retries)", n)
	}
	srv.ClearFaults()
	if got, err := b.Get(context.Background(), vaultly.Ref{Path: "p"}); err != nil || got != "v" {
		t.Fatalf("after recovery: Get = %q, %v", got, err)
	}
}

// A wrong secret_id is an auth failure.
func TestReauthLoginRefused(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	srv.Put("p", map[string]any{"value": "v"})
	srv.AddAppRole("app", "s3")
	c := srv.Client()
	c.ClearToken()
	b := newBackendWithClient(t, c, vault.WithAuth(vaulttest.AppRole{RoleID: "app", SecretID: "wrong"}))
	_, err := b.Get(context.Background(), vaultly.Ref{Path: "p"})
	var re *api.ResponseError
	if !errors.Is(err, vaultly.ErrAuth) || !errors.As(err, &re) || re.StatusCode != http.StatusBadRequest {
		t.Fatalf("err = %v, want ErrAuth with the login's 400", err)
	}
	if n := srv.TotalReads(); n != 0 {
		t.Errorf("reads = %d, want 0", n)
	}
}
