package vault_test

// The login blocks of docs/vault.md ("Production: ..."), exactly as the
// page shows them, and the tests that run them against vaulttest. Change
// a block here and on the page together.

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

// docs/vault.md, "Production: AppRole".

func newAppRoleBackend(roleID, secretIDFile string) (*vault.Backend, error) {
	m, err := vault.AppRole(roleID, vault.SecretIDFromFile(secretIDFile), vault.WrappedSecretID())
	if err != nil {
		return nil, err
	}
	return vault.New(vault.WithAuth(m), // VAULT_ADDR from the environment
		vault.WithTokenHook(func(ev vault.TokenEvent) {
			if ev.Err != nil {
				slog.Warn("vault token", "op", ev.Op, "err", ev.Err)
			}
		}))
}

// docs/vault.md, "Production: Kubernetes".

func newKubernetesBackend(role string, opts ...vault.LoginOption) (*vault.Backend, error) {
	m, err := vault.Kubernetes(role, opts...) // the pod's token, read at every login
	if err != nil {
		return nil, err
	}
	return vault.New(vault.WithAuth(m))
}

// docs/vault.md, "Production: AWS IAM".

func newAWSBackend(role string) (*vault.Backend, error) {
	m, err := vault.AWSIAM(role,
		vault.AWSServerID("vault.example.com"), // Vault's iam_server_id_header_value
	)
	if err != nil {
		return nil, err
	}
	return vault.New(vault.WithAuth(m))
}

// docs/vault.md, "Production: behind Vault Agent (token file)".

func newAgentBackend(tokenFile string) (*vault.Backend, error) {
	m, err := vault.TokenFile(tokenFile)
	if err != nil {
		return nil, err
	}
	return vault.New(vault.WithAuth(m))
}

// docsServer is a vaulttest server that VAULT_ADDR names, with VAULT_TOKEN
// unset, holding app/db.
func docsServer(t *testing.T) *vaulttest.Server {
	t.Helper()
	srv := loginServer(t)
	t.Setenv("VAULT_ADDR", srv.URL())
	t.Setenv("VAULT_TOKEN", "")
	os.Unsetenv("VAULT_TOKEN")
	return srv
}

// readsAfterRelogin reads, revokes the token and reads again.
func readsAfterRelogin(t *testing.T, srv *vaulttest.Server, b *vault.Backend, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	if v, err := get(b); err != nil || v != "pw" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	relogin(t, srv, b)
}

func TestDocsAppRoleProduction(t *testing.T) {
	srv := docsServer(t)
	srv.AddAppRole("my-app", "sid")
	file := filepath.Join(t.TempDir(), "approle-secret-id")
	writeFile(t, file, srv.Wrap(map[string]any{"secret_id": "sid"}))
	b, err := newAppRoleBackend("my-app", file)
	readsAfterRelogin(t, srv, b, err)
}

func TestDocsKubernetesProduction(t *testing.T) {
	srv := docsServer(t)
	srv.AddKubernetesRole("my-app", "jwt")
	file := filepath.Join(t.TempDir(), "token")
	writeFile(t, file, "jwt")
	b, err := newKubernetesBackend("my-app", vault.LoginMount("k8s-prod"), vault.ServiceAccountTokenFile(file))
	readsAfterRelogin(t, srv, b, err)
	if r := srv.Requests(); !strings.Contains(r[len(r)-2].Path, "/v1/auth/k8s-prod/login") {
		t.Errorf("login at %s, want /v1/auth/k8s-prod/login", r[len(r)-2].Path)
	}

	// As the page calls it: the default token file, absent here.
	b, err = newKubernetesBackend("my-app", vault.LoginMount("k8s-prod"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := os.Stat(vault.DefaultServiceAccountTokenFile); err == nil {
		return // in a pod
	}
	if _, err := get(b); !errors.Is(err, vaultly.ErrAuth) {
		t.Errorf("Get without a service-account token = %v, want ErrAuth", err)
	}
}

func TestDocsAWSProduction(t *testing.T) {
	srv := docsServer(t)
	srv.AddAWSRole("my-app", "AKIDDOCS", "docs-secret-key")
	srv.SetAWSServerID("vault.example.com")
	// The SDK's default chain, from the environment only.
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDDOCS")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "docs-secret-key")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	b, err := newAWSBackend("my-app")
	readsAfterRelogin(t, srv, b, err)
}

func TestDocsAgentProduction(t *testing.T) {
	srv := docsServer(t)
	file := filepath.Join(t.TempDir(), "token")
	writeFile(t, file, srv.IssueToken()+"\n")
	b, err := newAgentBackend(file)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if v, err := get(b); err != nil || v != "pw" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	srv.RevokeToken(b.Client().Token())
	writeFile(t, file, srv.IssueToken()) // the agent wrote a new token
	if v, err := get(b); err != nil || v != "pw" {
		t.Fatalf("Get after the agent's new token = %q, %v", v, err)
	}
}
