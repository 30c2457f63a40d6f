package awsclient

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/smithy-go/middleware"
)

// CredentialsError marks a failure to obtain credentials for a request:
// the provider failed (nothing configured, an expired SSO session, STS or
// the instance metadata service out of reach) or refused. It is never
// retried by the SDK's retryer and the backends classify it
// vaultly.ErrAuth with HintCredentials.
type CredentialsError struct{ err error }

// Error is the cause's text on one line, except for a credential_process
// failure that wraps another error: the SDK's text for an output it cannot
// parse quotes that output, keys included, so only the provider's own
// fixed messages (a missing key, a wrong version) are printed.
func (e *CredentialsError) Error() string {
	var pe *processcreds.ProviderError
	if errors.As(e.err, &pe) {
		if pe.Err != nil && errors.Unwrap(pe.Err) == nil {
			return "get credentials: credential_process: " + pe.Err.Error()
		}
		return "get credentials: credential_process failed (its error is not quoted: it may hold the process's output)"
	}
	return strings.Join(strings.Fields(e.err.Error()), " ")
}

func (e *CredentialsError) Unwrap() error { return e.err }

// RetryableError tells the SDK's retryer not to retry: the next attempt
// would fail the same way.
func (e *CredentialsError) RetryableError() bool { return false }

// MarkCredentialErrors is a stack option every call passes (in the
// client options' APIOptions): every error that comes from choosing the
// auth scheme or getting the credentials (the steps between the retry
// middleware and the request's signing) becomes a *CredentialsError. It
// works on any client, including one given with WithClient.
func MarkCredentialErrors(stack *middleware.Stack) error {
	const resolve, identity = "ResolveAuthScheme", "GetIdentity"
	if _, ok := stack.Finalize.Get(resolve); !ok {
		return nil
	}
	if _, ok := stack.Finalize.Get(identity); !ok {
		return nil
	}
	var gotIdentity bool // attempts run one after another on one stack
	before := middleware.FinalizeMiddlewareFunc("vaultly.MarkCredentialErrors",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
			middleware.FinalizeOutput, middleware.Metadata, error,
		) {
			gotIdentity = false
			out, md, err := next.HandleFinalize(ctx, in)
			if err != nil && !gotIdentity {
				err = &CredentialsError{err: err}
			}
			return out, md, err
		})
	after := middleware.FinalizeMiddlewareFunc("vaultly.GotIdentity",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
			middleware.FinalizeOutput, middleware.Metadata, error,
		) {
			gotIdentity = true
			return next.HandleFinalize(ctx, in)
		})
	if err := stack.Finalize.Insert(before, resolve, middleware.Before); err != nil {
		return err
	}
	return stack.Finalize.Insert(after, identity, middleware.After)
}
