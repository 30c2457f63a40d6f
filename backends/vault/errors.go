package vault

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"

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
func classifyTransport(ctx context.Context, addr string, err error) error {
	if ctx.Err() != nil {
		return ctxError(ctx, vaultly.Ref{})
	}
	return classified(vaultly.ErrTransient, "", transportError(addr, err))
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
	if errors.Is(err, context.DeadlineExceeded) || isTransport(err) {
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

// vaultError is what the backend prints for a failed call to Vault: one
// line with the HTTP status and Vault's own error strings (the "errors"
// array of a JSON answer), or the kind of transport failure and the
// address without its user info. The client's error stays reachable with
// errors.As and errors.Is but is never printed: its text has the request
// URL, with any user and password of the address, and for an answer that
// is not Vault's JSON (a proxy's error page, which may echo the request
// and its X-Vault-Token header) the raw body.
type vaultError struct {
	msg   string
	cause error
}

func (e *vaultError) Error() string { return e.msg }
func (e *vaultError) Unwrap() error { return e.cause }

// Caps on what is printed of Vault's error strings.
const (
	maxErrorStrings = 4
	maxErrorLen     = 200
)

// responseError describes an error answer: "status 403: permission denied".
// Only Vault's own error strings are printed, each on one line and capped;
// a body that is not a JSON error answer (re.RawError) is not printed.
func responseError(re *api.ResponseError, cause error) error {
	var b strings.Builder
	fmt.Fprintf(&b, "status %d", re.StatusCode)
	if !re.RawError {
		n := 0
		for _, s := range re.Errors {
			s = oneLine(s, maxErrorLen)
			if s == "" {
				continue
			}
			if n == maxErrorStrings {
				b.WriteString("; ...")
				break
			}
			if n == 0 {
				b.WriteString(": ")
			} else {
				b.WriteString("; ")
			}
			b.WriteString(s)
			n++
		}
	}
	return &vaultError{msg: b.String(), cause: cause}
}

// transportError describes a call that got no answer: "no answer from
// http://vault:8200: connection refused". addr is printed without user
// info, query or fragment.
func transportError(addr string, cause error) error {
	msg := "no answer from Vault"
	if a := safeAddress(addr); a != "" {
		msg = "no answer from " + a
	}
	return &vaultError{msg: msg + ": " + transportReason(cause), cause: cause}
}

// transportReason names the kind of a transport failure without quoting
// the error, whose text has the request URL.
func transportReason(err error) string {
	var (
		dns     *net.DNSError
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		invalid x509.CertificateInvalidError
		verify  *tls.CertificateVerificationError
		record  tls.RecordHeaderError
		alert   tls.AlertError
		timeout interface{ Timeout() bool }
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &timeout) && timeout.Timeout():
		return "timed out"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	case errors.As(err, &dns):
		return "host not found"
	case errors.As(err, &unknown), errors.As(err, &host), errors.As(err, &invalid),
		errors.As(err, &verify), errors.As(err, &record), errors.As(err, &alert):
		return "TLS failure"
	}
	return "request failed"
}

// safeAddress returns addr without user info, query and fragment, or ""
// when it does not parse.
func safeAddress(addr string) string {
	u, err := url.Parse(addr)
	if err != nil || u.Scheme == "" {
		return ""
	}
	u.User = nil
	u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = "", false, "", ""
	return u.String()
}

// loginError is the printed cause of a failed login. An answer from Vault
// or a transport failure reads like a failed read; any other error (from
// a token function or an auth method, such as a service-account token
// file that cannot be read) is printed on one line with the user info of
// any URL in it removed.
func loginError(addr string, err error) error {
	var re *api.ResponseError
	switch {
	case errors.As(err, &re):
		return responseError(re, err)
	case isTransport(err):
		return transportError(addr, err)
	}
	return &vaultError{msg: oneLine(userInfo.ReplaceAllString(err.Error(), "$1"), 4*maxErrorLen), cause: err}
}

// isTransport reports whether err is the HTTP client's failure to get an
// answer: refused, reset, EOF.
func isTransport(err error) bool {
	var ue *url.Error
	var oe *net.OpError
	return errors.As(err, &ue) || errors.As(err, &oe)
}

// userInfo matches the user info of a URL in a text.
var userInfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)[^/?#\s@"']*@`)

// oneLine collapses every run of white space and control characters in s
// to one space and caps it at max bytes (on a rune boundary).
func oneLine(s string, max int) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || !unicode.IsPrint(r)
	}), " ")
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
