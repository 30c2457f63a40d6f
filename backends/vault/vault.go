package vault

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly"
)

// Name is the backend name used in errors and hooks.
const Name = "vault"

// Timeouts and retries of a client built by New (not of one passed with
// WithClient). Vault answers a KV read in milliseconds; an attempt that
// takes seconds means a sick node or network, and a config load or a
// Secret.Get should fail over to the retry or stale policy instead of
// hanging for the client's default 60 s.
const (
	// AttemptTimeout bounds one HTTP attempt, connecting included.
	AttemptTimeout = 5 * time.Second
	// CallTimeout bounds one read with all its retries (the client's
	// Timeout). VAULT_CLIENT_TIMEOUT overrides it.
	CallTimeout = 15 * time.Second
	// MaxRetries is the number of retries after the first attempt, on
	// connection errors, 412, 429 and 5xx. VAULT_MAX_RETRIES overrides it.
	MaxRetries = 2
	// MinRetryWait and MaxRetryWait bound the wait between attempts (a 429's
	// Retry-After is honoured up to the call timeout).
	MinRetryWait = 250 * time.Millisecond
	MaxRetryWait = 1 * time.Second
	// LoginTimeout bounds one call of the token function or auth method.
	LoginTimeout = 30 * time.Second
)

// Backend reads secrets from a KV mount (version 2 or 1), and leased
// secrets from any path. It is safe for concurrent use.
type Backend struct {
	client      *api.Client
	mount       string
	defaultKey  string
	concurrency int
	reauth      reauth
	life        lifecycle // token renewal after a login (lifecycle.go)
	reads       reads     // KV version, rate limit, 429 retries, leases (reads.go)
}

var (
	_ vaultly.Backend      = (*Backend)(nil)
	_ vaultly.BatchBackend = (*Backend)(nil)
	_ io.Closer            = (*Backend)(nil)
)

// New returns a backend for a KV mount (WithMount, default "secret"),
// version 2 unless WithKVVersion or the mount says otherwise.
//
// Without WithClient it builds a client the way the Vault CLI does: it reads
// VAULT_ADDR, VAULT_TOKEN, VAULT_NAMESPACE, VAULT_CACERT and the other
// standard variables, then applies WithAddress, WithToken and WithNamespace.
// That client uses AttemptTimeout per attempt, CallTimeout per read and
// MaxRetries, unless VAULT_CLIENT_TIMEOUT or VAULT_MAX_RETRIES say otherwise.
//
// Without WithClient, New needs an address (WithAddress, VAULT_ADDR or
// VAULT_AGENT_ADDR) and a token or a way to get one (WithToken,
// VAULT_TOKEN, WithTokenFunc or WithAuth); without them it returns an
// ErrConfig error naming what to set, rather than a backend whose first
// read fails. A client passed with WithClient is used as it is.
//
// An option given an invalid value (an empty address, token, namespace or
// default key, a nil client, token function or auth method, a mount that
// is not a clean path, a concurrency below 1) is an ErrConfig error naming
// the option, as are options that cannot be combined. Nil options are
// ignored.
//
// Errors never print the client library's text: a failed read reads
// "vault: <path>: <kind>: status 403: <Vault's error strings>", or names
// the address without its user info when Vault gave no answer. The
// client's error (an *api.ResponseError, say) stays reachable with
// errors.As.
func New(opts ...Option) (*Backend, error) {
	cfg := config{mount: DefaultMount, defaultKey: DefaultKey, concurrency: DefaultConcurrency}
	var errs []error
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg.tokenFunc != nil && cfg.auth != nil {
		return nil, configError("WithTokenFunc and WithAuth are exclusive")
	}

	client := cfg.client
	if client == nil {
		if err := checkReachable(cfg); err != nil {
			return nil, err
		}
		var err error
		if client, err = newClient(cfg); err != nil {
			return nil, err
		}
	} else {
		if cfg.address != "" || cfg.tokenSet {
			return nil, configError("WithClient: set the address and token on the client, not with WithAddress or WithToken")
		}
		if cfg.namespace != "" {
			client = client.WithNamespace(cfg.namespace)
		}
	}

	b := &Backend{
		client:      client,
		mount:       cfg.mount,
		defaultKey:  cfg.defaultKey,
		concurrency: cfg.concurrency,
	}
	b.reads.init(cfg.read, client, cfg.client == nil)
	_, selfRenewing := cfg.auth.(renewsItself)
	b.life.init(cfg.clock, cfg.tokenHook, selfRenewing)
	switch {
	case cfg.tokenFunc != nil:
		b.reauth.login = tokenFuncLogin(cfg.tokenFunc)
	case cfg.auth != nil:
		b.reauth.login = authLogin(client, cfg.auth)
	}
	return b, nil
}

// checkReachable reports, before a client is built, what New would need
// to reach Vault: an address and a token or a way to get one. Without
// them the first read would fail seconds later with a dial error to the
// client's default address, or with a 403.
func checkReachable(cfg config) error {
	var errs []error
	if cfg.address == "" && os.Getenv(api.EnvVaultAddress) == "" && os.Getenv(api.EnvVaultAgentAddr) == "" {
		errs = append(errs, configError("no Vault address: set VAULT_ADDR or use WithAddress (or WithClient)"))
	}
	if !cfg.tokenSet && os.Getenv(api.EnvVaultToken) == "" && cfg.tokenFunc == nil && cfg.auth == nil {
		errs = append(errs, configError("no credentials: set VAULT_TOKEN or use WithToken, WithTokenFunc or WithAuth (or WithClient)"))
	}
	return errors.Join(errs...)
}

func newClient(cfg config) (*api.Client, error) {
	ac := api.DefaultConfig() // reads VAULT_ADDR, VAULT_CACERT, VAULT_CLIENT_TIMEOUT, ...
	if ac.Error != nil {
		// The client library's error may quote a variable's value, such as
		// a proxy URL with a password (VAULT_PROXY_ADDR).
		return nil, &vaultly.BackendError{Backend: Name, Kind: vaultly.ErrConfig,
			Msg: "a VAULT_* environment variable (VAULT_ADDR, VAULT_PROXY_ADDR, VAULT_CACERT, ...) is not valid",
			Err: &vaultError{msg: "not quoted, as it may hold a password", cause: ac.Error}}
	}
	if cfg.address != "" {
		ac.Address = cfg.address
	}
	ac.HttpClient.Timeout = AttemptTimeout
	if os.Getenv(api.EnvVaultClientTimeout) == "" {
		ac.Timeout = CallTimeout
	}
	if os.Getenv(api.EnvVaultMaxRetries) == "" {
		ac.MaxRetries = MaxRetries
	}
	ac.MinRetryWait = MinRetryWait
	ac.MaxRetryWait = MaxRetryWait
	ac.CheckRetry = checkRetry(cfg.read.limiter)
	client, err := api.NewClient(ac) // reads VAULT_TOKEN, VAULT_NAMESPACE, VAULT_HEADERS
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			// url.Parse's error quotes the address, which may hold a
			// password.
			return nil, &vaultly.BackendError{Backend: Name, Kind: vaultly.ErrConfig,
				Msg: "the Vault address (WithAddress, VAULT_ADDR or VAULT_AGENT_ADDR) is not a valid URL",
				Err: &vaultError{msg: "not quoted, as it may hold a password", cause: err}}
		}
		return nil, &vaultly.BackendError{Backend: Name, Kind: vaultly.ErrConfig, Msg: "building the Vault client", Err: err}
	}
	if cfg.tokenSet {
		client.SetToken(cfg.token)
	}
	if cfg.namespace != "" {
		client.SetNamespace(cfg.namespace)
	}
	// Reads and lists are never response-wrapped, even when
	// VAULT_WRAP_TTL is set; every other request (a login, say) keeps
	// the default.
	client.SetWrappingLookupFunc(func(operation, path string) string {
		if operation == http.MethodGet || operation == "LIST" {
			return ""
		}
		return api.DefaultWrappingLookupFunc(operation, path)
	})
	return client, nil
}

// Name returns "vault" for the default mount and "vault(<mount>)" for any
// other, for wrappers such as the chain that name their members. Errors and
// hooks use the constant [Name], "vault", whatever the mount.
func (b *Backend) Name() string {
	if b.mount == DefaultMount {
		return Name
	}
	return Name + "(" + b.mount + ")"
}

// Client returns the Vault client the backend uses.
func (b *Backend) Client() *api.Client { return b.client }

// Get reads one secret: the member Ref.Key, or the field named by the
// path's ":key" suffix (or the default key), of the KV entry at its path,
// at Ref.Version when set (KV v2 only).
func (b *Backend) Get(ctx context.Context, ref vaultly.Ref) (string, error) {
	return b.get(ctx, ref)
}
