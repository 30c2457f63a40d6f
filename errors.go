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
	Kind    error  // ErrNotFound, ErrAuth, ErrTransient or ErrConfig, or or ctx.Err() when the caller's context ended (backendkit.NewCanceledError)
	Ref     Ref
	Msg     string // optional detail, such as "key \"password\" not in entry"
	Err     error  // the cause; may be nil
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

// KindOf classifies err for a metric label: "ok" (nil), "not_found",
// "auth", "config", "transient", "canceled" (the caller's context ended
// and nothing else classified it) or "unknown". The labels are stable.
func KindOf(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrNotFound):
		return "not_found"
	case errors.Is(err, ErrAuth):
		return "auth"
	case errors.Is(err, ErrConfig):
		return "config"
	case errors.Is(err, ErrTransient):
		return "transient"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "canceled"
	}
	return "unknown"
}
