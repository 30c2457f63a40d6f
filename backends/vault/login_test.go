package vault_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

// loginServer is a vaulttest server with the entry app/db.
func loginServer(t *testing.T) *vaulttest.Server {
	t.Helper()
	srv := vaulttest.NewServer(t)
	srv.Put("app/db", map[string]any{"password": "pw"})
	return srv
}

// loginBackend is a backend over srv without a token that logs in with m;
// it is closed when the test ends.
func loginBackend(t *testing.T, srv *vaulttest.Server, m api.AuthMethod) *vault.Backend {
	t.Helper()
	c := srv.Client()
	c.ClearToken()
	b := newBackendWithClient(t, c, vault.WithAuth(m))
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func get(b *vault.Backend) (string, error) {
	return b.Get(context.Background(), vaultly.Ref{Path: "app/db:password"})
}

// loginPaths returns the paths of the logins srv received.
func loginPaths(srv *vaulttest.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/login") || r.Path == "/v1/sys/wrapping/unwrap" {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

// relogin revokes the backend's token and reads, which logs in again.
func relogin(t *testing.T, srv *vaulttest.Server, b *vault.Backend) {
	t.Helper()
	srv.RevokeToken(b.Client().Token())
	if v, err := get(b); err != nil || v != "pw" {
		t.Fatalf("Get after revocation = %q, %v", v, err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestAppRoleSecretIDSources(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "secret-id")
	t.Setenv("TEST_APPROLE_SECRET_ID", "sid-1")
	for _, tc := range []struct {
		name   string
		source vault.SecretID
		rotate func(t *testing.T) // changes the secret id the source gives to "sid-2"
	}{
		{"string", vault.SecretIDFromString("sid-1"), nil},
		{"file", vault.SecretIDFromFile(file), func(t *testing.T) { writeFile(t, file, "sid-2\n") }},
		{"env", vault.SecretIDFromEnv("TEST_APPROLE_SECRET_ID"), func(t *testing.T) { t.Setenv("TEST_APPROLE_SECRET_ID", "sid-2") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			writeFile(t, file, "sid-1\n")
			srv := loginServer(t)
			srv.AddAppRole("role", "sid-1")
			m, err := vault.AppRole("role", tc.source, vault.LoginMount("/apps/approle/"))
			if err != nil {
				t.Fatal(err)
			}
			b := loginBackend(t, srv, m)
			if v, err := get(b); err != nil || v != "pw" {
				t.Fatalf("Get = %q, %v", v, err)
			}
			if tc.rotate == nil {
				return
			}
			srv.AddAppRole("role", "sid-2")
			tc.rotate(t)
			relogin(t, srv, b) // the source is read again
			want := []string{"PUT /v1/auth/apps/approle/login", "PUT /v1/auth/apps/approle/login"}
			if diff := cmp.Diff(want, loginPaths(srv)); diff != "" {
				t.Errorf("logins (-want +got):\n%s", diff)
			}
		})
	}
}

// A wrapped secret id is unwrapped once and kept; a new wrapping token in
// the file is unwrapped in its turn.
func TestAppRoleWrappedSecretID(t *testing.T) {
	t.Parallel()
	srv := loginServer(t)
	srv.AddAppRole("role", "sid-1")
	file := filepath.Join(t.TempDir(), "wrapped")
	writeFile(t, file, srv.Wrap(map[string]any{"secret_id": "sid-1"}))
	m, err := vault.AppRole("role", vault.SecretIDFromFile(file), vault.WrappedSecretID())
	if err != nil {
		t.Fatal(err)
	}
	b := loginBackend(t, srv, m)
	if v, err := get(b); err != nil || v != "pw" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	relogin(t, srv, b) // the same wrapping token: not unwrapped again
	srv.AddAppRole("role", "sid-2")
	writeFile(t, file, srv.Wrap(map[string]any{"secret_id": "sid-2"}))
	relogin(t, srv, b)
	want := []string{
		"PUT /v1/sys/wrapping/unwrap", "PUT /v1/auth/approle/login",
		"PUT /v1/auth/approle/login",
		"PUT /v1/sys/wrapping/unwrap", "PUT /v1/auth/approle/login",
	}
	if diff := cmp.Diff(want, loginPaths(srv)); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	// The unwrap carries the wrapping token, never the backend's token.
	for _, r := range srv.Requests() {
		if r.Path == "/v1/sys/wrapping/unwrap" && r.Status != http.StatusOK {
			t.Errorf("unwrap answered %d", r.Status)
		}
	}
}

// A wrapping token that was already used fails the login with ErrAuth,
// without quoting it.
func TestAppRoleWrappedSecretIDUsed(t *testing.T) {
	t.Parallel()
	srv := loginServer(t)
	srv.AddAppRole("role", "sid-1")
	wt := srv.Wrap(map[string]any{"secret_id": "sid-1"})
	c := srv.Client()
	if _, err := c.Logical().Unwrap(wt); err != nil { // someone else unwrapped it
		t.Fatal(err)
	}
	m, err := vault.AppRole("role", vault.SecretIDFromString(wt), vault.WrappedSecretID())
	if err != nil {
		t.Fatal(err)
	}
	_, err = get(loginBackend(t, srv, m))
	if !errors.Is(err, vaultly.ErrAuth) || !strings.Contains(err.Error(), "wrapping token is not valid") {
		t.Errorf("Get = %v, want ErrAuth naming the invalid wrapping token", err)
	}
	noValue(t, err, wt, "sid-1")
}

// The service-account token is read at every login: a rotated token is
// used by the next login.
func TestKubernetesRereadsToken(t *testing.T) {
	t.Parallel()
	srv := loginServer(t)
	srv.AddKubernetesRole("app", "jwt-1")
	file := filepath.Join(t.TempDir(), "token")
	writeFile(t, file, "jwt-1")
	m, err := vault.Kubernetes("app", vault.ServiceAccountTokenFile(file), vault.LoginMount("k8s-prod"))
	if err != nil {
		t.Fatal(err)
	}
	b := loginBackend(t, srv, m)
	if v, err := get(b); err != nil || v != "pw" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	srv.AddKubernetesRole("app", "jwt-2") // rotated: jwt-1 is refused from now on
	writeFile(t, file, "jwt-2\n")
	relogin(t, srv, b)
	want := []string{"PUT /v1/auth/k8s-prod/login", "PUT /v1/auth/k8s-prod/login"}
	if diff := cmp.Diff(want, loginPaths(srv)); diff != "" {
		t.Errorf("logins (-want +got):\n%s", diff)
	}

	// A file that cannot be read: ErrAuth naming the file, not its content.
	srv.AddKubernetesRole("app", "jwt-3")
	writeFile(t, file, "jwt-2")
	srv.RevokeToken(b.Client().Token())
	_, err = get(b)
	if !errors.Is(err, vaultly.ErrAuth) {
		t.Errorf("Get with a stale JWT = %v, want ErrAuth", err)
	}
	noValue(t, err, "jwt-2")
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	_, err = get(b)
	if !errors.Is(err, vaultly.ErrAuth) || !strings.Contains(err.Error(), file) {
		t.Errorf("Get without the file = %v, want ErrAuth naming %s", err, file)
	}
}

func TestKubernetesDefaultTokenFile(t *testing.T) {
	t.Parallel()
	srv := loginServer(t)
	m, err := vault.Kubernetes("app")
	if err != nil {
		t.Fatal(err)
	}
	_, err = get(loginBackend(t, srv, m))
	if _, statErr := os.Stat(vault.DefaultServiceAccountTokenFile); statErr == nil {
		t.Skip("running in a pod")
	}
	if !errors.Is(err, vaultly.ErrAuth) || !strings.Contains(err.Error(), vault.DefaultServiceAccountTokenFile) {
		t.Errorf("Get = %v, want ErrAuth naming %s", err, vault.DefaultServiceAccountTokenFile)
	}
}

func TestTokenFileErrors(t *testing.T) {
	t.Parallel()
	srv := loginServer(t)
	file := filepath.Join(t.TempDir(), "token")
	writeFile(t, file, " \n")
	m, err := vault.TokenFile(file)
	if err != nil {
		t.Fatal(err)
	}
	b := loginBackend(t, srv, m)
	if _, err := get(b); !errors.Is(err, vaultly.ErrAuth) || !strings.Contains(err.Error(), "is empty") {
		t.Errorf("Get with an empty token file = %v, want ErrAuth saying it is empty", err)
	}
	writeFile(t, file, srv.IssueToken()+"\n")
	if v, err := get(b); err != nil || v != "pw" {
		t.Errorf("Get = %q, %v", v, err)
	}
}

// AWS IAM: the server signs the request again with the role's secret key
// and compares; the server-id header must be there and signed.
func TestAWSIAMLogin(t *testing.T) {
	t.Parallel()
	const (
		akid   = "AKIDEXAMPLE"
		secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	)
	for _, tc := range []struct {
		name     string
		serverID string // the server requires it
		opts     []vault.LoginOption
		secret   string // the key the client signs with
		wantErr  string // "" for success
	}{
		{name: "signed", secret: secret},
		{name: "session token", secret: secret, opts: []vault.LoginOption{vault.AWSCredentials(
			credentials.NewStaticCredentialsProvider(akid, secret, "session-token"))}},
		{name: "server id", serverID: "vault.example.com", secret: secret,
			opts: []vault.LoginOption{vault.AWSServerID("vault.example.com")}},
		{name: "regional", secret: secret, opts: []vault.LoginOption{vault.AWSRegion("eu-west-1")}},
		{name: "server id missing", serverID: "vault.example.com", secret: secret,
			wantErr: "X-Vault-AWS-IAM-Server-ID header value does not match"},
		{name: "wrong server id", serverID: "vault.example.com", secret: secret,
			opts: []vault.LoginOption{vault.AWSServerID("other")}, wantErr: "does not match"},
		{name: "wrong key", secret: "not-the-key", wantErr: "SignatureDoesNotMatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := loginServer(t)
			srv.AddAWSRole("app", akid, secret)
			srv.SetAWSServerID(tc.serverID)
			opts := append([]vault.LoginOption{
				vault.AWSCredentials(credentials.NewStaticCredentialsProvider(akid, tc.secret, "")),
				vault.LoginMount("aws-east"),
			}, tc.opts...)
			m, err := vault.AWSIAM("app", opts...)
			if err != nil {
				t.Fatal(err)
			}
			v, err := get(loginBackend(t, srv, m))
			if tc.wantErr == "" {
				if err != nil || v != "pw" {
					t.Fatalf("Get = %q, %v", v, err)
				}
				if diff := cmp.Diff([]string{"PUT /v1/auth/aws-east/login"}, loginPaths(srv)); diff != "" {
					t.Errorf("logins (-want +got):\n%s", diff)
				}
				return
			}
			if !errors.Is(err, vaultly.ErrAuth) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Get = %v, want ErrAuth with %q", err, tc.wantErr)
			}
			noValue(t, err, secret, tc.secret, "Signature=")
		})
	}
}

// failingProvider fails with an error that quotes a key, as a broken
// credential_process's output may.
type failingProvider struct{}

func (failingProvider) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{}, errors.New(`parse output {"SecretAccessKey":"leaked-key"}`)
}

func TestAWSIAMCredentialsErrorNotQuoted(t *testing.T) {
	t.Parallel()
	srv := loginServer(t)
	m, err := vault.AWSIAM("app", vault.AWSCredentials(failingProvider{}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = get(loginBackend(t, srv, m))
	if !errors.Is(err, vaultly.ErrAuth) || !strings.Contains(err.Error(), "retrieving the AWS credentials failed") {
		t.Errorf("Get = %v, want ErrAuth saying the credentials failed", err)
	}
	noValue(t, err, "leaked-key")
	if n := srv.Logins(); n != 0 {
		t.Errorf("logins = %d, want 0", n)
	}
}

// Options: each error names the option; an option of another method is
// refused.
func TestLoginOptionErrors(t *testing.T) {
	t.Parallel()
	static := vault.AWSCredentials(credentials.NewStaticCredentialsProvider("a", "b", ""))
	for _, tc := range []struct {
		name string
		make func() (api.AuthMethod, error)
		want string
	}{
		{"approle no role", func() (api.AuthMethod, error) { return vault.AppRole("", vault.SecretIDFromString("x")) }, "AppRole: empty role id"},
		{"approle no secret", func() (api.AuthMethod, error) { return vault.AppRole("r", vault.SecretID{}) }, "AppRole: no secret id"},
		{"approle empty secret", func() (api.AuthMethod, error) { return vault.AppRole("r", vault.SecretIDFromString("")) }, "SecretIDFromString: empty secret id"},
		{"approle empty file", func() (api.AuthMethod, error) { return vault.AppRole("r", vault.SecretIDFromFile("")) }, "SecretIDFromFile: empty path"},
		{"approle empty env", func() (api.AuthMethod, error) { return vault.AppRole("r", vault.SecretIDFromEnv("")) }, "SecretIDFromEnv: empty variable name"},
		{"bad mount", func() (api.AuthMethod, error) {
			return vault.AppRole("r", vault.SecretIDFromString("x"), vault.LoginMount("a/../b"))
		}, `LoginMount("a/../b")`},
		{"approle k8s option", func() (api.AuthMethod, error) {
			return vault.AppRole("r", vault.SecretIDFromString("x"), vault.ServiceAccountTokenFile("/t"))
		}, "ServiceAccountTokenFile: not an option of AppRole"},
		{"kubernetes no role", func() (api.AuthMethod, error) { return vault.Kubernetes("") }, "Kubernetes: empty role"},
		{"kubernetes wrapped", func() (api.AuthMethod, error) { return vault.Kubernetes("r", vault.WrappedSecretID()) }, "WrappedSecretID: not an option of Kubernetes"},
		{"kubernetes empty file", func() (api.AuthMethod, error) { return vault.Kubernetes("r", vault.ServiceAccountTokenFile("")) }, "ServiceAccountTokenFile: empty path"},
		{"aws no role", func() (api.AuthMethod, error) { return vault.AWSIAM("", static) }, "AWSIAM: empty role"},
		{"aws nil creds", func() (api.AuthMethod, error) { return vault.AWSIAM("r", vault.AWSCredentials(nil)) }, "AWSCredentials: nil provider"},
		{"aws bad region", func() (api.AuthMethod, error) { return vault.AWSIAM("r", static, vault.AWSRegion("eu/west")) }, `AWSRegion("eu/west")`},
		{"aws empty server id", func() (api.AuthMethod, error) { return vault.AWSIAM("r", static, vault.AWSServerID("")) }, "AWSServerID: empty value"},
		{"aws bad endpoint", func() (api.AuthMethod, error) {
			return vault.AWSIAM("r", static, vault.AWSSTSEndpoint("https://user:pw@sts.example.com"))
		}, "AWSSTSEndpoint: not an http(s) URL without user info"},
		{"token file empty", func() (api.AuthMethod, error) { return vault.TokenFile("") }, "TokenFile: empty path"},
		{"token file mount", func() (api.AuthMethod, error) { return vault.TokenFile("/t", vault.LoginMount("x")) }, "LoginMount: not an option of TokenFile"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := tc.make()
			if m != nil || !errors.Is(err, vaultly.ErrConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, %v; want ErrConfig with %q", m, err, tc.want)
			}
			noValue(t, err, "pw@")
		})
	}
}
