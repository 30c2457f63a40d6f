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

// Error reads "vaultly: FIELD (REF): CAUSE" on one line, never with a
// value: "vaultly: Config.DB.Password (/db/prod/password): ssm: secret not
// found". A backend's error for the same Ref is shown without the Ref
// again. Without a Ref (a tag or type error) it is "vaultly: FIELD: CAUSE".
func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString("vaultly: ")
	b.WriteString(e.Field)
	e.writeCause(&b)
	return b.String()
}

// writeCause writes what follows the field: " (REF): CAUSE".
func (e *FieldError) writeCause(b *strings.Builder) {
	if e.Ref.Path != "" {
		b.WriteString(" (")
		b.WriteString(e.Ref.String())
		b.WriteString(")")
	}
	b.WriteString(": ")
	switch err := e.Err.(type) {
	case nil:
		b.WriteString("error")
	case *BackendError:
		if err == nil {
			b.WriteString("error")
			return
		}
		err.write(b, err.Ref != e.Ref)
	default:
		writeLine(b, err.Error())
	}
}

// Unwrap returns the underlying error.
func (e *FieldError) Unwrap() error { return e.Err }

// BackendError is how backends report a classified failure: Kind is one of
// the sentinels, Err the backend's own cause (an SDK error, say), which
// stays reachable with errors.As. Backends must make sure that neither
// Msg nor Err contains a secret value.
type BackendError struct {
	Backend string // "ssm", "vault", "env", ...; may be empty
	Kind    error  // ErrNotFound, ErrAuth, ErrTransient or ErrConfig, or ctx.Err() when the caller's context ended (backendkit.NewCanceledError)
	Ref     Ref
	Msg     string // optional detail, such as "key \"password\" not in entry"
	Err     error  // the cause; may be nil
}

// Error reads like "ssm: /db/password: secret not found: <cause>", on one
// line: line breaks in Msg and in the cause's text become spaces.
func (e *BackendError) Error() string {
	var b strings.Builder
	e.write(&b, true)
	return b.String()
}

func (e *BackendError) write(b *strings.Builder, withRef bool) {
	if e.Backend != "" {
		b.WriteString(e.Backend)
		b.WriteString(": ")
	}
	if withRef && e.Ref.Path != "" {
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
		writeLine(b, e.Msg)
	}
	if e.Err != nil {
		b.WriteString(": ")
		writeLine(b, e.Err.Error())
	}
}

// Unwrap returns the kind and the cause, so both errors.Is(err, ErrAuth)
// and errors.As(err, &sdkErr) work.
func (e *BackendError) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// writeLine writes s with every line break as one space, so that an error
// from vaultly is one line even when a cause from elsewhere is not.
func writeLine(b *strings.Builder, s string) {
	for {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			b.WriteString(s)
			return
		}
		b.WriteString(s[:i])
		b.WriteByte(' ')
		s = strings.TrimLeft(s[i:], "\r\n")
	}
}

// namedError is a backend's failure that is not a *BackendError, shown
// after the name of the backend Load read it from.
type namedError struct {
	backend string
	err     error
}

func (e *namedError) Error() string { return e.backend + ": " + e.err.Error() }

func (e *namedError) Unwrap() error { return e.err }

// nameBackend makes err, a failure of the backend named name, name it: a
// *BackendError that left Backend empty is copied with it filled in (the
// backend's own value is not changed), and an error that holds no
// *BackendError is wrapped so that its text begins with the name.
func nameBackend(name string, err error) error {
	var be *BackendError
	if _, ok := err.(*conversionError); ok {
		return err // the core's decoding (a key of a document that is not a JSON object), not the backend's
	}
	switch {
	case err == nil || name == "":
		return err
	case errors.As(err, &be) && be != nil:
		if top, ok := err.(*BackendError); ok && top.Backend == "" {
			named := *top
			named.Backend = name
			return &named
		}
		return err
	}
	return &namedError{backend: name, err: err}
}

// joinedError is errors.Join for Load's failures, one line each, but a
// failure that several fields share (one bad template variable) is one
// line naming them all: "vaultly: Config.A, Config.B: configuration
// error: ...". Unwrap still returns one *FieldError per field.
type joinedError struct{ errs []error }

// sharedError is the cause that several fields' FieldErrors share;
// joinedError prints it once.
type sharedError struct{ err error }

func (e *sharedError) Error() string { return e.err.Error() }

func (e *sharedError) Unwrap() error { return e.err }

// joinErrors is errors.Join for Load: nil when every error is nil, else a
// *joinedError of the others.
func joinErrors(errs []error) error {
	var kept []error
	for _, err := range errs {
		if err != nil {
			kept = append(kept, err)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	return &joinedError{errs: kept}
}

func (e *joinedError) Unwrap() []error { return e.errs }

// sharedOf is fe's cause when other fields share it, else nil.
func sharedOf(fe *FieldError) *sharedError {
	if fe == nil {
		return nil
	}
	se, _ := fe.Err.(*sharedError)
	return se
}

func (e *joinedError) Error() string {
	var b strings.Builder
	var done map[*sharedError]bool
	for i, err := range e.errs {
		fe, _ := err.(*FieldError)
		se := sharedOf(fe)
		if se != nil && done[se] {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		if se == nil {
			writeLine(&b, err.Error())
			continue
		}
		if done == nil {
			done = map[*sharedError]bool{}
		}
		done[se] = true
		b.WriteString("vaultly: ")
		b.WriteString(fe.Field)
		for _, other := range e.errs[i+1:] {
			if ofe, ok := other.(*FieldError); ok && ofe != nil && sharedOf(ofe) == se {
				b.WriteString(", ")
				b.WriteString(ofe.Field)
			}
		}
		fe.writeCause(&b)
	}
	return b.String()
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
