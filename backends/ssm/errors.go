package ssm

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

// The hints an ErrAuth error carries: what to set or grant.
const (
	hintCredentials = "no valid AWS credentials (missing, expired or refused): set AWS_PROFILE " +
		"(after aws sso login for an SSO profile), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY " +
		"(and AWS_SESSION_TOKEN for temporary keys), or run with an IAM role"
	hintPolicy = "the AWS identity may not read this parameter: its IAM policy must allow " +
		"ssm:GetParameter and ssm:GetParameters on it, ssm:GetParametersByPath for a prefix " +
		"(and kms:Decrypt for a SecureString)"
	hintKMS       = "the parameter's KMS key cannot be used: allow kms:Decrypt on the key to this AWS identity"
	hintThrottled = "throttled: the account's Parameter Store throughput quota is exceeded " +
		"(40 requests a second by default, shared by every client in the account and region) " +
		"and the SDK's retries with jittered backoff ran out: see ssm.WithRateLimit"
)

// codeKind is the kind of an error code and the hint the error carries.
type codeKind struct {
	kind error
	hint string
}

// Error codes and the kind each maps to. Codes not listed here, and
// errors that carry no code (timeouts, connection errors), are
// vaultly.ErrTransient.
var codeKinds = map[string]codeKind{
	"ParameterNotFound":        {vaultly.ErrNotFound, ""},
	"ParameterVersionNotFound": {vaultly.ErrNotFound, ""},

	// Credentials missing, expired, unknown to AWS or badly signed.
	"UnrecognizedClientException":         {vaultly.ErrAuth, hintCredentials},
	"ExpiredTokenException":               {vaultly.ErrAuth, hintCredentials},
	"ExpiredToken":                        {vaultly.ErrAuth, hintCredentials},
	"InvalidClientTokenId":                {vaultly.ErrAuth, hintCredentials},
	"InvalidAccessKeyId":                  {vaultly.ErrAuth, hintCredentials},
	"InvalidSignatureException":           {vaultly.ErrAuth, hintCredentials},
	"SignatureDoesNotMatch":               {vaultly.ErrAuth, hintCredentials},
	"IncompleteSignature":                 {vaultly.ErrAuth, hintCredentials},
	"MissingAuthenticationToken":          {vaultly.ErrAuth, hintCredentials},
	"MissingAuthenticationTokenException": {vaultly.ErrAuth, hintCredentials},
	"AuthFailure":                         {vaultly.ErrAuth, hintCredentials},

	// Valid credentials that a policy does not allow to read.
	"AccessDeniedException": {vaultly.ErrAuth, hintPolicy},
	"AccessDenied":          {vaultly.ErrAuth, hintPolicy},
	"NotAuthorized":         {vaultly.ErrAuth, hintPolicy},
	"InvalidKeyId":          {vaultly.ErrAuth, hintKMS}, // the SecureString's KMS key cannot be used

	// The request can never succeed as written: a malformed name, label
	// or selector.
	"ValidationException": {vaultly.ErrConfig, ""},
}

// kindOf classifies an SDK error: its kind and the hint its error carries.
// Throttling (every code the SDK's retryer treats as a throttle, such as
// ThrottlingException, and an HTTP 429 without a known code) is
// vaultly.ErrTransient, so a stale_on_error field serves its last value.
func kindOf(err error) codeKind {
	var ce *credentialsError
	if errors.As(err, &ce) {
		return codeKind{vaultly.ErrAuth, hintCredentials}
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if k, ok := codeKinds[ae.ErrorCode()]; ok {
			return k
		}
		if _, ok := retry.DefaultThrottleErrorCodes[ae.ErrorCode()]; ok {
			return codeKind{vaultly.ErrTransient, hintThrottled}
		}
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusTooManyRequests {
		return codeKind{vaultly.ErrTransient, hintThrottled}
	}
	return codeKind{vaultly.ErrTransient, ""}
}

// classify turns an SDK error for ref into a vaultly error. When the
// caller's ctx has ended, the result matches ctx.Err() (and err) but no
// kind, so it is never answered from a stale value.
func classify(ctx context.Context, ref vaultly.Ref, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return backendkit.NewCanceledError(backendName, ref, ctxErr, err)
	}
	k := kindOf(err)
	return &vaultly.BackendError{Backend: backendName, Kind: k.kind, Ref: ref, Msg: k.hint, Err: err}
}

// credentialsError marks a failure to obtain credentials for a request:
// the provider failed (nothing configured, an expired SSO session, STS or
// the instance metadata service out of reach) or refused. It is never
// retried by the SDK's retryer and is classified vaultly.ErrAuth.
type credentialsError struct{ err error }

// Error is the cause's text on one line, except for a credential_process
// failure that wraps another error: the SDK's text for an output it cannot
// parse quotes that output, keys included, so only the provider's own
// fixed messages (a missing key, a wrong version) are printed.
func (e *credentialsError) Error() string {
	var pe *processcreds.ProviderError
	if errors.As(e.err, &pe) {
		if pe.Err != nil && errors.Unwrap(pe.Err) == nil {
			return "get credentials: credential_process: " + pe.Err.Error()
		}
		return "get credentials: credential_process failed (its error is not quoted: it may hold the process's output)"
	}
	return strings.Join(strings.Fields(e.err.Error()), " ")
}

func (e *credentialsError) Unwrap() error { return e.err }

// RetryableError tells the SDK's retryer not to retry: the next attempt
// would fail the same way.
func (e *credentialsError) RetryableError() bool { return false }

// markCredentialErrors is a per-call option: every error that comes from
// choosing the auth scheme or getting the credentials (the steps between
// the retry middleware and the request's signing) becomes a
// *credentialsError. It works on any client, including one given with
// WithClient.
func markCredentialErrors(stack *middleware.Stack) error {
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
				err = &credentialsError{err: err}
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
