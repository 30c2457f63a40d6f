package vault_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

// clearVaultEnv isolates a test from the VAULT_* variables New and the
// client read. Tests that call it cannot be parallel.
func clearVaultEnv(t *testing.T) {
	for _, k := range []string{
		api.EnvVaultAddress, api.EnvVaultToken, api.EnvVaultNamespace, api.EnvVaultHeaders,
		api.EnvVaultClientTimeout, api.EnvVaultMaxRetries, api.EnvVaultAgentAddr,
		api.EnvVaultCACert, api.EnvVaultCAPath, api.EnvVaultClientCert, api.EnvVaultClientKey,
		api.EnvVaultSkipVerify, api.EnvVaultTLSServerName, api.EnvRateLimit, api.EnvVaultSRVLookup,
		"VAULT_HTTP_PROXY", "VAULT_PROXY_ADDR", "VAULT_DISABLE_REDIRECTS",
	} {
		t.Setenv(k, "")
	}
}

func TestNewReadsEnvironment(t *testing.T) {
	clearVaultEnv(t)
	srv := vaulttest.NewServer(t)
	srv.Put("p", map[string]any{"value": "v"})
	t.Setenv("VAULT_ADDR", srv.URL())
	t.Setenv("VAULT_TOKEN", srv.RootToken())
	t.Setenv("VAULT_NAMESPACE", "team-a")

	b, err := vault.New()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b.Get(context.Background(), vaultly.Ref{Path: "p"}); err != nil || got != "v" {
		t.Fatalf("Get = %q, %v", got, err)
	}
	if ns := srv.Requests()[0].Namespace; ns != "team-a" {
		t.Errorf("namespace = %q, want team-a", ns)
	}
	c := b.Client()
	if c.ClientTimeout() != vault.CallTimeout || c.MaxRetries() != vault.MaxRetries {
		t.Errorf("timeout %v, retries %d; want %v, %d", c.ClientTimeout(), c.MaxRetries(), vault.CallTimeout, vault.MaxRetries)
	}
	if got := c.CloneConfig().HttpClient.Timeout; got != vault.AttemptTimeout {
		t.Errorf("attempt timeout = %v, want %v", got, vault.AttemptTimeout)
	}
}

func TestNewOptionsOverrideEnvironment(t *testing.T) {
	clearVaultEnv(t)
	srv := vaulttest.NewServer(t)
	srv.Put("p", map[string]any{"value": "v"})
	t.Setenv("VAULT_ADDR", "http://127.0.0.1:1")
	t.Setenv("VAULT_TOKEN", "env-token")
	t.Setenv("VAULT_CLIENT_TIMEOUT", "3s")
	t.Setenv("VAULT_MAX_RETRIES", "5")

	b, err := vault.New(vault.WithAddress(srv.URL()), vault.WithToken(srv.RootToken()), vault.WithNamespace("ns1"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b.Get(context.Background(), vaultly.Ref{Path: "p"}); err != nil || got != "v" {
		t.Fatalf("Get = %q, %v", got, err)
	}
	if ns := srv.Requests()[0].Namespace; ns != "ns1" {
		t.Errorf("namespace = %q, want ns1", ns)
	}
	c := b.Client()
	if c.ClientTimeout() != 3*time.Second || c.MaxRetries() != 5 {
		t.Errorf("timeout %v, retries %d; want the environment's 3s, 5", c.ClientTimeout(), c.MaxRetries())
	}
}

func TestNewBadEnvironment(t *testing.T) {
	clearVaultEnv(t)
	t.Setenv("VAULT_CLIENT_TIMEOUT", "soon")
	if _, err := vault.New(); !errors.Is(err, vaultly.ErrConfig) {
		t.Fatalf("err = %v, want ErrConfig", err)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	t.Parallel()
	c, err := api.NewClient(&api.Config{Address: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	login := func(context.Context) (string, error) { return "t", nil }
	tests := map[string][]vault.Option{
		"zero concurrency":    {vault.WithClient(c), vault.WithConcurrency(0)},
		"empty address":       {vault.WithAddress("")},
		"nil client":          {vault.WithClient(nil)},
		"nil token func":      {vault.WithTokenFunc(nil)},
		"nil auth":            {vault.WithAuth(nil)},
		"empty mount":         {vault.WithClient(c), vault.WithMount("/")},
		"mount escapes":       {vault.WithClient(c), vault.WithMount("kv/../sys")},
		"empty key":           {vault.WithClient(c), vault.WithDefaultKey("")},
		"key with colon":      {vault.WithClient(c), vault.WithDefaultKey("a:b")},
		"client and address":  {vault.WithClient(c), vault.WithAddress("http://x")},
		"client and token":    {vault.WithClient(c), vault.WithToken("t")},
		"token func and auth": {vault.WithClient(c), vault.WithTokenFunc(login), vault.WithAuth(vaulttest.AppRole{})},
	}
	for name, opts := range tests {
		if _, err := vault.New(opts...); !errors.Is(err, vaultly.ErrConfig) {
			t.Errorf("%s: err = %v, want ErrConfig", name, err)
		}
	}
}

// WithClient with WithNamespace works on a copy: the caller's client is
// not changed, and re-authentication sets the token on the copy.
func TestWithClientAndNamespace(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	srv.Put("p", map[string]any{"value": "v"})
	c := srv.Client()
	b := newBackendWithClient(t, c, vault.WithNamespace("team-b"))
	if _, err := b.Get(context.Background(), vaultly.Ref{Path: "p"}); err != nil {
		t.Fatal(err)
	}
	if ns := srv.Requests()[0].Namespace; ns != "team-b" {
		t.Errorf("namespace = %q, want team-b", ns)
	}
	if c.Namespace() != "" {
		t.Errorf("the caller's client got namespace %q", c.Namespace())
	}
}

func TestName(t *testing.T) {
	t.Parallel()
	c, err := api.NewClient(&api.Config{Address: "http://127.0.0.1:1"}) // never dialled
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		mount, want string
	}{
		{"", "vault"}, // WithMount not given
		{"secret", "vault"},
		{"/secret/", "vault"},
		{"kv", "vault(kv)"},
		{"team-a/kv/", "vault(team-a/kv)"},
	}
	for _, tt := range tests {
		var opts []vault.Option
		if tt.mount != "" {
			opts = append(opts, vault.WithMount(tt.mount))
		}
		b := newBackendWithClient(t, c, opts...)
		if got := b.Name(); got != tt.want {
			t.Errorf("mount %q: Name() = %q, want %q", tt.mount, got, tt.want)
		}
		if got := backendkit.Name(b); got != tt.want {
			t.Errorf("mount %q: vaultly.BackendName = %q, want %q", tt.mount, got, tt.want)
		}
	}
}
