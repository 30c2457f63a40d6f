package vaultly

import (
	"context"
	"errors"
	"strings"
)

// The error kinds. Every error returned by Load, Secret.Get and the bundled
// backends matches exactly one of them with errors.Is (or a context error
// when the caller's context ended).
var (
	// ErrNotFound: the backend has no secret at that path or version.
	ErrNotFound = errors.New("secret not found")
	// ErrAuth: the backend refused the caller (bad, expired or missing
	// credentials, or a policy that does not allow the read). Not retried.
	ErrAuth = errors.New("not authorized")
	// ErrTransient: a failure that may pass: timeouts, throttling, 5xx,
	// dropped connections, and anything unknown. Retried by backends/retry
	// and answered from a stale value when the field allows it.
	ErrTransient = errors.New("transient backend failure")
	// ErrConfig: the struct, a tag, a template, an option or a value does
	// not fit. Fixing it needs a code or configuration change.
	ErrConfig = errors.New("configuration error")
)

// FieldError is one field's failure in Load, or a Secret's failure in Get.
// Field is the Go path of the field, such as "Config.DB.Password".
type FieldError struct {
	Field string
	Ref   Ref
	Err   error
}

// Error names the field and the Ref, never a value.
func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString("vaultly: ")
	b.WriteString(e.Field)
	var be *BackendError
	if e.Ref.Path != "" && !(errors.As(e.Err, &be) && be.Ref == e.Ref) {
		b.WriteString(" (")
		b.WriteString(e.Ref.String())
		b.WriteString(")")
	}
	b.WriteString(": ")
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *FieldError) Unwrap() error { return e.Err }

// BackendError is how backends report a classified failure: Kind is one of
// the sentinels, Err the backend's own cause (an SDK error, say), which
// stays reachable with errors.As. Backends must make sure that neither
// Msg nor Err contains a secret value.
type BackendError struct {
	Backend string // "ssm", "vault", "env", ...; may be empty
	Kind    error  // ErrNotFound, ErrAuth, ErrTransient or ErrConfig, or ctx.Err() (see NewCanceledError)
	Ref     Ref
	Msg     string // optional detail, such as "key \"password\" not in entry"
	Err     error  // the cause; may be nil
}

// NewBackendError returns a *BackendError of the given kind.
func NewBackendError(backend string, kind error, ref Ref, cause error) error {
	return &BackendError{Backend: backend, Kind: kind, Ref: ref, Err: cause}
}

// NewCanceledError reports a call that ended because the caller's context
// did: it matches ctxErr (context.Canceled or context.DeadlineExceeded)
// and no error kind, so it is never answered from a stale value; cause,
// the backend's own error, stays reachable with errors.As.
func NewCanceledError(backend string, ref Ref, ctxErr, cause error) error {
	return &BackendError{Backend: backend, Kind: ctxErr, Ref: ref, Err: cause}
}

// Error reads like "ssm: /db/password: secret not found: <cause>".
func (e *BackendError) Error() string {
	var b strings.Builder
	if e.Backend != "" {
		b.WriteString(e.Backend)
		b.WriteString(": ")
	}
	if e.Ref.Path != "" {
		b.WriteString(e.Ref.String())
		b.WriteString(": ")
	}
	if e.Kind != nil {
		b.WriteString(e.Kind.Error())
	} else {
		b.WriteString("error")
	}
	if e.Msg != "" {
		b.WriteString(": ")
		b.WriteString(e.Msg)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the kind and the cause, so both errors.Is(err, ErrAuth)
// and errors.As(err, &sdkErr) work.
func (e *BackendError) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// Kind is a short, stable label for an error's class, for metrics.
type Kind string

// The kinds reported by KindOf.
const (
	KindOK        Kind = "ok"
	KindNotFound  Kind = "not_found"
	KindAuth      Kind = "auth"
	KindTransient Kind = "transient"
	KindConfig    Kind = "config"
	KindCanceled  Kind = "canceled"
	KindUnknown   Kind = "unknown"
)

// KindOf classifies err for a metric label. Context cancellation and
// deadlines are KindCanceled unless the error is also classified.
func KindOf(err error) Kind {
	switch {
	case err == nil:
		return KindOK
	case errors.Is(err, ErrNotFound):
		return KindNotFound
	case errors.Is(err, ErrAuth):
		return KindAuth
	case errors.Is(err, ErrConfig):
		return KindConfig
	case errors.Is(err, ErrTransient):
		return KindTransient
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return KindCanceled
	}
	return KindUnknown
}
