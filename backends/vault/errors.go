package vault

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"

	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

func configError(format string, args ...any) error {
	return &vaultly.BackendError{Backend: Name, Kind: vaultly.ErrConfig, Msg: fmt.Sprintf(format, args...)}
}

func refError(ref vaultly.Ref, msg string) error {
	return &vaultly.BackendError{Backend: Name, Kind: vaultly.ErrConfig, Ref: ref, Msg: msg}
}

func classified(kind error, msg string, cause error) error {
	return &vaultly.BackendError{Backend: Name, Kind: kind, Msg: msg, Err: cause}
}

// withRef stamps the Ref a caller asked for on an entry-level error.
func withRef(err error, ref vaultly.Ref) error {
	var be *vaultly.BackendError
	if errors.As(err, &be) {
		c := *be
		c.Ref = ref
		return &c
	}
	return err
}

// statusKind classifies an HTTP status Vault answered with.
func statusKind(status int) error {
	switch {
	case status == http.StatusNotFound:
		return vaultly.ErrNotFound
	case status == http.StatusForbidden, status == http.StatusUnauthorized:
		return vaultly.ErrAuth
	default:
		// 412 (a performance standby not caught up), 429 (rate-limit
		// quota), 5xx (sealed, standby, internal) and anything unknown.
		return vaultly.ErrTransient
	}
}

// classifyTransport classifies a failure that is not an HTTP answer:
// connection errors and timeouts are transient, unless the caller's own
// context ended.
func classifyTransport(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctxError(ctx, vaultly.Ref{})
	}
	return classified(vaultly.ErrTransient, "", err)
}

// isTransientCause reports whether a login failure is itself transient
// (Vault or the network being unavailable) rather than a refusal.
func isTransientCause(err error) bool {
	if errors.Is(err, vaultly.ErrTransient) {
		return true
	}
	var re *api.ResponseError
	if errors.As(err, &re) {
		// A login answered 400 means bad credentials: only the statuses
		// of an unavailable Vault count as transient here.
		s := re.StatusCode
		return s == http.StatusPreconditionFailed || s == http.StatusTooManyRequests || s >= 500
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ue *url.Error // the HTTP client got no answer: refused, reset, EOF
	var oe *net.OpError
	if errors.As(err, &ue) || errors.As(err, &oe) {
		return true
	}
	var ne interface{ Timeout() bool }
	return errors.As(err, &ne) && ne.Timeout()
}

// ctxError reports the caller's context ending: it matches ctx.Err() and
// no vaultly error kind, so it is never answered from a stale value.
func ctxError(ctx context.Context, ref vaultly.Ref) error {
	return backendkit.NewCanceledError(Name, ref, ctx.Err(), nil)
}
