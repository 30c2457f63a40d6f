package vault

import (
	"context"
	"strings"

	"github.com/hashicorp/vault/api"
)

// Default settings. See New for the timeouts of a client the backend builds.
const (
	DefaultMount       = "secret"
	DefaultKey         = "value"
	DefaultConcurrency = 50 // see WithConcurrency
)

// Option configures New. An option given an invalid value makes New fail
// with an error that names the option and matches vaultly.ErrConfig.
type Option func(*config) error

type config struct {
	address     string
	token       string
	tokenSet    bool
	tokenFunc   func(context.Context) (string, error)
	auth        api.AuthMethod
	mount       string
	defaultKey  string
	namespace   string
	client      *api.Client
	concurrency int
	tokenHook   func(TokenEvent) // WithTokenHook (lifecycle.go)
	clock       clock            // the lifecycle's clock; nil: real time (tests set it)
	read        readConfig       // WithKVVersion, WithRateLimit, WithRevokeLeasesOnClose (reads.go)
}

// WithAddress sets the Vault address, such as "https://vault.example.com:8200".
// Without it (and without WithClient) VAULT_ADDR is read, as the Vault CLI does.
func WithAddress(addr string) Option {
	return func(c *config) error {
		if addr == "" {
			return configError("WithAddress: empty address")
		}
		c.address = addr
		return nil
	}
}

// WithToken sets a static token. Without it (and without WithClient)
// VAULT_TOKEN is read. Combined with WithTokenFunc or WithAuth it is the
// first token used; the function or method is called when Vault refuses it.
// An empty token is an error.
func WithToken(token string) Option {
	return func(c *config) error {
		if token == "" {
			return configError("WithToken: empty token")
		}
		c.token, c.tokenSet = token, true
		return nil
	}
}

// WithTokenFunc sets a function that returns a fresh token. It is called
// before the first read when there is no token, and once more when Vault
// answers 403, after which the read is retried once. Calls are
// single-flight: concurrent readers that meet the same refused token share
// one call. The function typically logs in (approle, kubernetes, ...) and
// returns the client token.
func WithTokenFunc(fn func(ctx context.Context) (string, error)) Option {
	return func(c *config) error {
		if fn == nil {
			return configError("WithTokenFunc: nil function")
		}
		c.tokenFunc = fn
		return nil
	}
}

// WithAuth logs in with an auth method (the github.com/hashicorp/vault/api/auth/...
// modules) when there is no token and when Vault answers 403, like
// WithTokenFunc. The login runs on a copy of the client without the refused
// token.
func WithAuth(m api.AuthMethod) Option {
	return func(c *config) error {
		if m == nil {
			return configError("WithAuth: nil auth method")
		}
		c.auth = m
		return nil
	}
}

// WithMount sets the KV mount path (default "secret"). Leading and
// trailing slashes are dropped; an empty path, or one with an empty, "."
// or ".." segment, is an error.
func WithMount(mount string) Option {
	return func(c *config) error {
		m := strings.Trim(mount, "/")
		if err := checkPath(m); err != nil {
			return configError("WithMount(%q): %v", mount, err)
		}
		c.mount = m
		return nil
	}
}

// WithDefaultKey sets the field read when a Ref has no Key and its path
// no ":key" (default "value"); it is also the field GetPrefix returns for
// each entry. It must be non-empty and without ':'.
func WithDefaultKey(key string) Option {
	return func(c *config) error {
		if key == "" || strings.Contains(key, ":") {
			return configError("WithDefaultKey(%q): key must be non-empty and without ':'", key)
		}
		c.defaultKey = key
		return nil
	}
}

// WithNamespace sets the Vault Enterprise namespace (X-Vault-Namespace).
// Without it (and without WithClient) VAULT_NAMESPACE is read. An empty
// namespace is an error.
func WithNamespace(ns string) Option {
	return func(c *config) error {
		if ns == "" {
			return configError("WithNamespace: empty namespace")
		}
		c.namespace = ns
		return nil
	}
}

// WithClient uses a client you built and configured; its address, token,
// TLS and timeouts are yours and the environment is not read. The backend
// still sets the client's token after a re-authentication. With
// WithNamespace, the backend works on a shallow copy carrying the
// namespace. The client must not response-wrap KV reads (VAULT_WRAP_TTL
// or SetWrappingLookupFunc): a wrapped answer is an ErrConfig error. A nil
// client is an error.
func WithClient(client *api.Client) Option {
	return func(c *config) error {
		if client == nil {
			return configError("WithClient: nil client")
		}
		c.client = client
		return nil
	}
}

// WithConcurrency bounds how many KV entries GetBatch reads at once
// (default DefaultConcurrency, 50). It must be at least 1. KV v2 has no
// batch read, so Load of 100 paths takes about 100/n round trips: at 50,
// two, about 2.6x one read (8 took 13x; bench/vault_test.go,
// BenchmarkVaultConcurrency). Lower it, or use WithRateLimit, for a
// cluster with a tight rate-limit quota.
func WithConcurrency(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return configError("WithConcurrency(%d): want at least 1", n)
		}
		c.concurrency = n
		return nil
	}
}
