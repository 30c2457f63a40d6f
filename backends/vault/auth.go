package vault

import (
	"context"
	"errors"
	"strings"
	"sync"
	"unicode"

	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

// reauth makes logins single-flight: readers that meet the same refused
// token share one call of the login function.
type reauth struct {
	login func(context.Context) (string, error) // nil: no re-authentication

	mu   sync.Mutex
	call *loginCall // the login in flight, if any
}

type loginCall struct {
	done chan struct{}
	err  error
}

func (r *reauth) enabled() bool { return r.login != nil }

// renew replaces refused, the token a read was refused with (or "" when
// there is none), with a fresh one. When another goroutine has already
// replaced it, renew returns at once; when a login is in flight, it waits
// for that login. The login runs on its own goroutine, detached from the
// cancellation of the caller that started it, so one impatient caller does
// not fail the whole crowd; it is bounded by LoginTimeout.
func (b *Backend) renew(ctx context.Context, refused string) error {
	r := &b.reauth
	r.mu.Lock()
	if cur := b.client.Token(); cur != refused && cur != "" {
		r.mu.Unlock()
		return nil
	}
	c := r.call
	if c == nil {
		c = &loginCall{done: make(chan struct{})}
		r.call = c
		go b.runLogin(context.WithoutCancel(ctx), c)
	}
	r.mu.Unlock()

	select {
	case <-c.done:
		return c.err
	case <-ctx.Done():
		return ctxError(ctx, vaultly.Ref{})
	}
}

func (b *Backend) runLogin(ctx context.Context, c *loginCall) {
	ctx, cancel := context.WithTimeout(ctx, LoginTimeout)
	defer cancel()

	token, err := b.reauth.login(ctx)
	if err == nil {
		err = checkToken(token)
	}
	if err != nil {
		kind := vaultly.ErrAuth
		if isTransientCause(err) {
			kind = vaultly.ErrTransient
		}
		err = classified(kind, "re-authentication failed", err)
	}

	r := &b.reauth
	r.mu.Lock()
	if err == nil {
		b.client.SetToken(token)
	}
	r.call = nil
	c.err = err
	r.mu.Unlock()

	if h := backendkit.Hooks(ctx); h != nil && h.OnReauth != nil {
		h.OnReauth(Name, err)
	}
	close(c.done)
}

// checkToken refuses tokens the client would refuse to send.
func checkToken(token string) error {
	if token == "" {
		return errors.New("login returned an empty token")
	}
	if strings.IndexFunc(token, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return errors.New("login returned a token with non-printable characters")
	}
	return nil
}

// authLogin adapts an api.AuthMethod to a login function. The method runs
// on a shallow copy of the client without the refused token (the copy keeps
// the address, TLS, retries and namespace).
func authLogin(client *api.Client, m api.AuthMethod) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		lc := client.WithNamespace(client.Namespace())
		lc.ClearToken()
		secret, err := m.Login(ctx, lc)
		if err != nil {
			return "", err
		}
		if secret == nil || secret.Auth == nil {
			return "", errors.New("auth method returned no auth data")
		}
		return secret.Auth.ClientToken, nil
	}
}

// AuthFunc adapts a function to api.AuthMethod, for WithAuth. It is the
// place to build an auth method afresh on every login, for instance
// Kubernetes auth, whose NewKubernetesAuth reads the service-account token
// file once: building it inside the function re-reads a rotated token.
type AuthFunc func(ctx context.Context, client *api.Client) (*api.Secret, error)

// Login calls f(ctx, client).
func (f AuthFunc) Login(ctx context.Context, client *api.Client) (*api.Secret, error) {
	return f(ctx, client)
}

var _ api.AuthMethod = AuthFunc(nil)
