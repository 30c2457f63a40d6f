package vault_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

const (
	echoToken    = "hvs.ECHOED-TOKEN-d41d8cd98f00"
	echoPassword = "PASSWORD-in-the-address"
	echoUser     = "alice-in-the-address"
	echoSecretID = "approle-secret-id-0cc175b9c0f1"
)

// echoServer is a loopback server in front of nothing: it answers every
// request with status and a body that echoes the request (its headers,
// the X-Vault-Token among them, and its body), as some proxies and debug
// endpoints do. jsonErrors, when not nil, makes the body a JSON error
// answer whose "errors" array is jsonErrors, with the echo beside it.
func echoServer(t *testing.T, status int, jsonErrors []string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		echo := fmt.Sprintf("%s %s\n%v\n%s", r.Method, r.URL, r.Header, body)
		if jsonErrors == nil {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(status)
			io.WriteString(w, "proxy error\nrequest was:\n"+echo)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"errors": jsonErrors, "echo": echo, "request": r.Header})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// userInfoAddress returns addr with a user and password in it.
func userInfoAddress(t *testing.T, addr string) string {
	t.Helper()
	u, err := url.Parse(addr)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(echoUser, echoPassword)
	return u.String()
}

// echoClient is a client for addr (with user info) that does not retry.
func echoClient(t *testing.T, addr string) *api.Client {
	t.Helper()
	c, err := api.NewClient(&api.Config{
		Address:      userInfoAddress(t, addr),
		MaxRetries:   0,
		MinRetryWait: time.Millisecond, MaxRetryWait: time.Millisecond,
		HttpClient: &http.Client{Timeout: 5 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(echoToken)
	return c
}

// checkClean fails when any rendering of err is not one line, lacks one
// of want, or shows the token, the password, the user, the AppRole secret
// or the client's banner.
func checkClean(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("err = nil, want an error")
	}
	t.Logf("err = %v", err)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		text := fmt.Sprintf(verb, err)
		for _, bad := range []string{echoToken, echoPassword, echoUser, echoSecretID, "Error making API request", "proxy error", "request was"} {
			if strings.Contains(text, bad) {
				t.Errorf("%s of the error shows %q: %s", verb, bad, text)
			}
		}
		if strings.ContainsAny(text, "\n\r") {
			t.Errorf("%s of the error is not one line: %q", verb, text)
		}
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("err = %q, want it to contain %q", err, w)
		}
	}
}

// Vault errors are one line naming the backend, the path, the status and
// Vault's own error strings; never the address's user info, an echoed
// token or body, or the client's multi-line text. The client's error
// stays reachable with errors.As.
func TestErrorsLeakNothing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		status     int
		jsonErrors []string
		wantKind   error
		want       []string
	}{
		{"403 raw echo", 403, nil, vaultly.ErrAuth, []string{"vault: /app/db:password: not authorized", "status 403"}},
		{"403 json", 403, []string{"1 error occurred:\n\t* permission denied\n\n"}, vaultly.ErrAuth,
			[]string{"status 403", "1 error occurred: * permission denied"}},
		{"404 json", 404, []string{}, vaultly.ErrNotFound, []string{"vault: /app/db:password: secret not found", "status 404"}},
		{"500 json", 500, []string{"internal error"}, vaultly.ErrTransient, []string{"status 500", "internal error"}},
		{"503 raw echo", 503, nil, vaultly.ErrTransient, []string{"status 503"}},
		{"400 json", 400, []string{"bad\nrequest", "second"}, vaultly.ErrTransient, []string{"status 400", "bad request", "second"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := echoServer(t, tt.status, tt.jsonErrors)
			b := newBackendWithClient(t, echoClient(t, srv.URL))
			ref := vaultly.Ref{Path: "/app/db:password"}

			_, err := b.Get(context.Background(), ref)
			if !errors.Is(err, tt.wantKind) {
				t.Fatalf("Get: err = %v, want %v", err, tt.wantKind)
			}
			checkClean(t, err, tt.want...)
			var re *api.ResponseError
			if !errors.As(err, &re) || re.StatusCode != tt.status {
				t.Errorf("err = %v, want a reachable *api.ResponseError with status %d", err, tt.status)
			}

			_, err = b.GetBatch(context.Background(), []vaultly.Ref{ref})
			checkClean(t, err, tt.want...)

			var cfg struct {
				Password string `secret:"/app/db:password"`
			}
			err = vaultly.Load(&cfg, b)
			// Load's error names the Ref once, before the backend:
			// "vaultly: struct.Password (/app/db:password): vault: not authorized: ...".
			loadWant := make([]string, len(tt.want))
			for i, w := range tt.want {
				loadWant[i] = strings.Replace(w, "vault: /app/db:password: ", "(/app/db:password): vault: ", 1)
			}
			checkClean(t, err, loadWant...)
		})
	}
}

// A Vault that gives no answer: the error names the address without its
// user info.
func TestTransportErrorsLeakNothing(t *testing.T) {
	t.Parallel()
	dead := httptest.NewServer(http.NotFoundHandler())
	addr := dead.URL
	dead.Close()
	b := newBackendWithClient(t, echoClient(t, addr))
	_, err := b.Get(context.Background(), vaultly.Ref{Path: "app/db"})
	if !errors.Is(err, vaultly.ErrTransient) {
		t.Fatalf("err = %v, want ErrTransient", err)
	}
	checkClean(t, err, "vault: app/db: transient backend failure", addr, "connection refused")
}

// A login through an auth method against an echoing proxy: the login's
// error shows neither the AppRole secret it sent nor the address's
// password.
func TestLoginErrorsLeakNothing(t *testing.T) {
	t.Parallel()
	for _, status := range []int{400, 403, 500} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			t.Parallel()
			srv := echoServer(t, status, nil)
			c := echoClient(t, srv.URL)
			c.ClearToken()
			b := newBackendWithClient(t, c, vault.WithAuth(vaulttest.AppRole{RoleID: "role", SecretID: echoSecretID}))
			_, err := b.Get(context.Background(), vaultly.Ref{Path: "app/db"})
			if err == nil {
				t.Fatal("err = nil")
			}
			checkClean(t, err, "re-authentication failed", fmt.Sprintf("status %d", status))
		})
	}
}

// An address New cannot parse: the error does not quote it, since it may
// carry a password.
func TestBadAddressLeaksNothing(t *testing.T) {
	t.Parallel()
	addr := "http://" + echoUser + ":" + echoPassword + "@127.0.0.1:port"
	_, err := vault.New(vault.WithAddress(addr), vault.WithToken(echoToken))
	if !errors.Is(err, vaultly.ErrConfig) {
		t.Fatalf("err = %v, want ErrConfig", err)
	}
	checkClean(t, err, "WithAddress")
}

// A token function's own error is printed on one line, with the user
// info of any URL in it removed; it stays reachable with errors.Is.
func TestTokenFuncErrorIsOneLine(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	c := srv.Client()
	c.ClearToken()
	cause := fmt.Errorf("login to http://%s:%s@vault.example:8200 failed:\n\tsecond line", echoUser, echoPassword)
	b := newBackendWithClient(t, c, vault.WithTokenFunc(func(context.Context) (string, error) { return "", cause }))
	_, err := b.Get(context.Background(), vaultly.Ref{Path: "p"})
	if !errors.Is(err, vaultly.ErrAuth) || !errors.Is(err, cause) {
		t.Fatalf("err = %v, want ErrAuth wrapping the token function's error", err)
	}
	checkClean(t, err, "re-authentication failed: login to http://vault.example:8200 failed: second line")
}
