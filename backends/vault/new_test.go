package vault_test

import (
	"context"
	"errors"
	"strings"
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

// Every option given an invalid value makes New fail with ErrConfig and an
// error naming the option; nothing is clamped or ignored. A nil Option is
// ignored.
func TestNewRejectsBadOptions(t *testing.T) {
	t.Parallel()
	c, err := api.NewClient(&api.Config{Address: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	login := func(context.Context) (string, error) { return "t", nil }
	tests := []struct {
		name string
		opts []vault.Option
		want []string // fragments of the error text
	}{
		{"zero concurrency", []vault.Option{vault.WithClient(c), vault.WithConcurrency(0)}, []string{"WithConcurrency(0): want at least 1"}},
		{"negative concurrency", []vault.Option{vault.WithClient(c), vault.WithConcurrency(-1)}, []string{"WithConcurrency(-1): want at least 1"}},
		{"empty address", []vault.Option{vault.WithAddress("")}, []string{"WithAddress: empty address"}},
		{"empty token", []vault.Option{vault.WithToken("")}, []string{"WithToken: empty token"}},
		{"empty namespace", []vault.Option{vault.WithClient(c), vault.WithNamespace("")}, []string{"WithNamespace: empty namespace"}},
		{"nil client", []vault.Option{vault.WithClient(nil)}, []string{"WithClient: nil client"}},
		{"nil token func", []vault.Option{vault.WithTokenFunc(nil)}, []string{"WithTokenFunc: nil function"}},
		{"nil auth", []vault.Option{vault.WithAuth(nil)}, []string{"WithAuth: nil auth method"}},
		{"empty mount", []vault.Option{vault.WithClient(c), vault.WithMount("")}, []string{`WithMount(""): empty path`}},
		{"mount of slashes", []vault.Option{vault.WithClient(c), vault.WithMount("/")}, []string{`WithMount("/"): empty path`}},
		{"mount escapes", []vault.Option{vault.WithClient(c), vault.WithMount("kv/../sys")}, []string{`WithMount("kv/../sys"): path segment ".." not allowed`}},
		{"empty key", []vault.Option{vault.WithClient(c), vault.WithDefaultKey("")}, []string{`WithDefaultKey(""): key must be non-empty`}},
		{"key with colon", []vault.Option{vault.WithClient(c), vault.WithDefaultKey("a:b")}, []string{`WithDefaultKey("a:b")`}},
		{"client and address", []vault.Option{vault.WithClient(c), vault.WithAddress("http://x")}, []string{"WithClient: set the address and token on the client"}},
		{"client and token", []vault.Option{vault.WithClient(c), vault.WithToken("t")}, []string{"WithClient: set the address and token on the client"}},
		{"token func and auth", []vault.Option{vault.WithClient(c), vault.WithTokenFunc(login), vault.WithAuth(vaulttest.AppRole{})},
			[]string{"WithTokenFunc and WithAuth are exclusive"}},
		{"every bad option at once", []vault.Option{vault.WithToken(""), vault.WithConcurrency(0), vault.WithMount("")},
			[]string{"WithToken: empty token", "WithConcurrency(0)", `WithMount("")`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := vault.New(tt.opts...)
			if !errors.Is(err, vaultly.ErrConfig) || b != nil {
				t.Fatalf("New = %v, %v; want nil and ErrConfig", b, err)
			}
			for _, frag := range tt.want {
				if !strings.Contains(err.Error(), frag) {
					t.Errorf("error %q does not contain %q", err, frag)
				}
			}
		})
	}

	t.Run("nil option ignored", func(t *testing.T) {
		t.Parallel()
		if _, err := vault.New(nil, vault.WithClient(c), nil); err != nil {
			t.Errorf("New with nil options: %v", err)
		}
	})
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

// A client New builds never wraps KV reads, even with VAULT_WRAP_TTL set.
func TestNewClientDoesNotWrapReads(t *testing.T) {
	clearVaultEnv(t)
	t.Setenv("VAULT_WRAP_TTL", "5m")
	srv := vaulttest.NewServer(t)
	srv.Put("p", map[string]any{"value": "v"})
	b, err := vault.New(vault.WithAddress(srv.URL()), vault.WithToken(srv.RootToken()))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b.Get(context.Background(), vaultly.Ref{Path: "p"}); err != nil || got != "v" {
		t.Fatalf("Get = %q, %v", got, err)
	}
	if w := srv.Requests()[0].WrapTTL; w != "" {
		t.Errorf("the read asked for wrapping (%q)", w)
	}
}

// A client of the caller's that wraps KV reads gets ErrConfig, not an
// entry without data, and the wrapping token is not printed.
func TestWithClientThatWrapsReads(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	srv.Put("p", map[string]any{"value": "v"})
	c := srv.Client()
	c.SetWrappingLookupFunc(func(string, string) string { return "5m" })
	b := newBackendWithClient(t, c)
	_, err := b.Get(context.Background(), vaultly.Ref{Path: "p"})
	if !errors.Is(err, vaultly.ErrConfig) || !strings.Contains(err.Error(), "response-wrapped") {
		t.Fatalf("err = %v, want ErrConfig saying the answer is response-wrapped", err)
	}
	if strings.Contains(err.Error(), "hvs.") {
		t.Errorf("err = %q prints a token", err)
	}
	if w := srv.Requests()[0].WrapTTL; w != "5m" {
		t.Errorf("request wrap TTL %q, want 5m", w)
	}
}

// New without an address, or without a token or a way to get one, is an
// ErrConfig error naming what to set, not a dial error at the first read.
// A client of the caller's (WithClient) is used as it is.
func TestNewNeedsAddressAndCredentials(t *testing.T) {
	login := func(context.Context) (string, error) { return "t", nil }
	tests := []struct {
		name    string
		env     map[string]string
		opts    []vault.Option
		wantErr []string // fragments of the error; nil: New succeeds
	}{
		{"nothing", nil, nil, []string{"no Vault address", "VAULT_ADDR", "WithAddress", "no credentials", "VAULT_TOKEN", "WithToken", "WithTokenFunc", "WithAuth"}},
		{"no address", map[string]string{"VAULT_TOKEN": "t"}, nil, []string{"no Vault address", "VAULT_ADDR", "WithAddress"}},
		{"no address, WithToken", nil, []vault.Option{vault.WithToken("t")}, []string{"no Vault address"}},
		{"no credentials", map[string]string{"VAULT_ADDR": "http://127.0.0.1:1"}, nil, []string{"no credentials", "VAULT_TOKEN", "WithToken", "WithTokenFunc", "WithAuth"}},
		{"no credentials, WithAddress", nil, []vault.Option{vault.WithAddress("http://127.0.0.1:1")}, []string{"no credentials"}},
		{"VAULT_ADDR and VAULT_TOKEN", map[string]string{"VAULT_ADDR": "http://127.0.0.1:1", "VAULT_TOKEN": "t"}, nil, nil},
		{"VAULT_AGENT_ADDR and VAULT_TOKEN", map[string]string{"VAULT_AGENT_ADDR": "http://127.0.0.1:1", "VAULT_TOKEN": "t"}, nil, nil},
		{"WithAddress and WithToken", nil, []vault.Option{vault.WithAddress("http://127.0.0.1:1"), vault.WithToken("t")}, nil},
		{"VAULT_ADDR and WithTokenFunc", map[string]string{"VAULT_ADDR": "http://127.0.0.1:1"}, []vault.Option{vault.WithTokenFunc(login)}, nil},
		{"WithAddress and WithAuth", nil, []vault.Option{vault.WithAddress("http://127.0.0.1:1"), vault.WithAuth(vaulttest.AppRole{})}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { // not parallel: t.Setenv
			clearVaultEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			b, err := vault.New(tt.opts...)
			if tt.wantErr == nil {
				if err != nil || b == nil {
					t.Fatalf("New = %v, %v; want a backend", b, err)
				}
				return
			}
			if !errors.Is(err, vaultly.ErrConfig) || b != nil {
				t.Fatalf("New = %v, %v; want nil and ErrConfig", b, err)
			}
			for _, frag := range tt.wantErr {
				if !strings.Contains(err.Error(), frag) {
					t.Errorf("error %q does not contain %q", err, frag)
				}
			}
		})
	}

	t.Run("WithClient is used as it is", func(t *testing.T) {
		clearVaultEnv(t)
		c, err := api.NewClient(&api.Config{Address: "http://127.0.0.1:1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := vault.New(vault.WithClient(c)); err != nil {
			t.Errorf("New(WithClient(client without a token)) = %v", err)
		}
	})
}
