package vault

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"

	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/internal/fanout"
	"github.com/vaultly/vaultly/internal/flight"
)

// reauth makes logins single-flight: readers that meet the same refused
// token share one call of the login function (internal/flight, keyed by
// the refused token).
type reauth struct {
	login   func(context.Context) (loginResult, error) // nil: no re-authentication
	flights flight.Group[string, struct{}]
}

func (r *reauth) enabled() bool { return r.login != nil }

// renew replaces refused, the token a read was refused with (or "" when
// there is none), with a fresh one. When another login has already
// replaced it, renew returns at once; when a login is in flight, it waits
// for that login. The login follows internal/flight's rule: a caller whose
// ctx ends stops waiting, the login goes on for the others and is
// cancelled when none is left; it is bounded by LoginTimeout.
func (b *Backend) renew(ctx context.Context, refused string) error {
	_, err := b.reauth.flights.Do(ctx, refused, func(ctx context.Context) (struct{}, error) {
		if cur := b.client.Token(); cur != refused && cur != "" {
			return struct{}{}, nil // replaced since this reader was refused
		}
		return struct{}{}, b.runLogin(ctx)
	})
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctxError(ctx, vaultly.Ref{})
	case errors.Is(err, fanout.ErrPanicked):
		return classified(vaultly.ErrTransient, "re-authentication failed", errors.New("login panicked"))
	}
	return err
}

// runLogin logs in once and installs the new token.
func (b *Backend) runLogin(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, LoginTimeout)
	defer cancel()

	res, err := b.reauth.login(ctx)
	if err == nil {
		err = checkToken(res.token)
	}
	if err != nil {
		err = b.tokenError("re-authentication failed", err)
		if ctx.Err() == nil || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			b.life.report(TokenLogin, 0, err) // not a login nobody waits for any more
		}
	} else {
		b.client.SetToken(res.token)
		b.life.report(TokenLogin, res.ttl, nil)
		b.loggedIn(res)
	}
	if h := backendkit.Hooks(ctx); h != nil && h.OnReauth != nil {
		h.OnReauth(Name, err)
	}
	return err
}

// tokenFuncLogin adapts a token function to a login function; the token's
// TTL is looked up afterwards.
func tokenFuncLogin(fn func(context.Context) (string, error)) func(context.Context) (loginResult, error) {
	return func(ctx context.Context) (loginResult, error) {
		token, err := fn(ctx)
		return loginResult{token: token}, err
	}
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
func authLogin(client *api.Client, m api.AuthMethod) func(context.Context) (loginResult, error) {
	return func(ctx context.Context) (loginResult, error) {
		lc := client.WithNamespace(client.Namespace())
		lc.ClearToken()
		secret, err := m.Login(ctx, lc)
		if err != nil {
			return loginResult{}, err
		}
		if secret == nil || secret.Auth == nil {
			return loginResult{}, errors.New("auth method returned no auth data")
		}
		return loginResult{
			token:     secret.Auth.ClientToken,
			ttl:       time.Duration(secret.Auth.LeaseDuration) * time.Second,
			renewable: secret.Auth.Renewable,
		}, nil
	}
}

// renewsItself is implemented by login methods whose tokens someone else
// renews (TokenFile: Vault Agent).
type renewsItself interface{ renewsItself() }

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
