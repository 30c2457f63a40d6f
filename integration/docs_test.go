package integration

// The Go blocks of docs/vault.md that import an auth module outside the
// library's go.mod, exactly as the page shows them, and the tests that run
// them against vaulttest. The page's other blocks are in
// backends/vault/docs_test.go. Change a block here and on the page
// together.

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/vault/api"
	authapprole "github.com/hashicorp/vault/api/auth/approle"
	"github.com/hashicorp/vault/api/auth/kubernetes"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

// docs/vault.md, "AppRole".

func appRoleBackend(roleID, secretIDFile string) (*vault.Backend, error) {
	m, err := authapprole.NewAppRoleAuth(roleID, &authapprole.SecretID{FromFile: secretIDFile})
	if err != nil {
		return nil, err
	}
	return vault.New(vault.WithAuth(m)) // VAULT_ADDR from the environment
}

// docs/vault.md, "Kubernetes".

func kubernetesBackend(role string) (*vault.Backend, error) {
	return vault.New(vault.WithAuth(vault.AuthFunc(
		func(ctx context.Context, c *api.Client) (*api.Secret, error) {
			m, err := kubernetes.NewKubernetesAuth(role) // re-reads the JWT file
			if err != nil {
				return nil, err
			}
			return m.Login(ctx, c)
		})))
}

// The mirrors run; they set VAULT_ADDR with t.Setenv, so none is parallel.

func TestDocsAppRole(t *testing.T) {
	srv := vaulttest.NewServer(t)
	srv.Put("app/prod/openai", map[string]any{"value": "sk-test"})
	srv.AddAppRole("role", "secret-id")
	t.Setenv("VAULT_ADDR", srv.URL())
	file := filepath.Join(t.TempDir(), "approle-secret-id")
	if err := os.WriteFile(file, []byte("secret-id\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	b, err := appRoleBackend("role", file)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := b.Get(context.Background(), vaultly.Ref{Path: "app/prod/openai"}); err != nil || v != "sk-test" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	if n := srv.Logins(); n != 1 {
		t.Errorf("logins = %d, want 1", n)
	}
}

// Outside a pod there is no service-account token: New succeeds (the
// method is built on each login) and the read fails with ErrAuth.
func TestDocsKubernetes(t *testing.T) {
	srv := vaulttest.NewServer(t)
	t.Setenv("VAULT_ADDR", srv.URL())
	b, err := kubernetesBackend("my-app")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/var/run/secrets/kubernetes.io/serviceaccount/token"); err == nil {
		t.Skip("running in a pod with a service-account token")
	}
	_, err = b.Get(context.Background(), vaultly.Ref{Path: "app/prod/openai"})
	if !errors.Is(err, vaultly.ErrAuth) {
		t.Errorf("err = %v, want ErrAuth from the login", err)
	}
}
