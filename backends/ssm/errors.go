package ssm

import (
	"context"
	"errors"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/internal/awsclient"
)

// The hints an ErrAuth error carries: what to set or grant.
const (
	hintPolicy = "the AWS identity may not read this parameter: its IAM policy must allow " +
		"ssm:GetParameter and ssm:GetParameters on it, ssm:GetParametersByPath for a prefix " +
		"(and kms:Decrypt for a SecureString)"
	hintKMS       = "the parameter's KMS key cannot be used: allow kms:Decrypt on the key to this AWS identity"
	hintThrottled = "throttled: the account's Parameter Store throughput quota is exceeded " +
		"(40 requests a second by default, shared by every client in the account and region) " +
		"and the SDK's retries with jittered backoff ran out: see ssm.WithRateLimit"
)

// codeKinds maps error codes to their kind: the codes every AWS API
// shares (awsclient.CommonCodes) and Parameter Store's. Codes not listed
// here, and errors that carry no code (timeouts, connection errors), are
// vaultly.ErrTransient.
var codeKinds = func() map[string]awsclient.CodeKind {
	codes := awsclient.CommonCodes(hintPolicy)
	codes["ParameterNotFound"] = awsclient.CodeKind{Kind: vaultly.ErrNotFound}
	codes["ParameterVersionNotFound"] = awsclient.CodeKind{Kind: vaultly.ErrNotFound}
	// The parameter's KMS key cannot be used.
	codes["InvalidKeyId"] = awsclient.CodeKind{Kind: vaultly.ErrAuth, Hint: hintKMS}
	// The request can never succeed as written: a malformed name, label
	// or selector.
	codes["ValidationException"] = awsclient.CodeKind{Kind: vaultly.ErrConfig}
	return codes
}()

// kindOf classifies an SDK error: its kind and the hint its error carries.
// Throttling (every code the SDK's retryer treats as a throttle, such as
// ThrottlingException, and an HTTP 429 without a known code) is
// vaultly.ErrTransient, so a stale_on_error field serves its last value.
func kindOf(err error) awsclient.CodeKind {
	if k, ok := awsclient.Lookup(codeKinds, err); ok {
		return k
	}
	throttled := awsclient.CodeKind{Kind: vaultly.ErrTransient, Hint: hintThrottled}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if _, ok := retry.DefaultThrottleErrorCodes[ae.ErrorCode()]; ok {
			return throttled
		}
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusTooManyRequests {
		return throttled
	}
	return awsclient.CodeKind{Kind: vaultly.ErrTransient}
}

// classify turns an SDK error for ref into a vaultly error. When the
// caller's ctx has ended, or the rate limit's wait could not end before
// its deadline, the result matches the context's error (and err) but no
// kind, so it is never answered from a stale value.
func classify(ctx context.Context, ref vaultly.Ref, err error) error {
	if cerr := awsclient.Canceled(ctx, backendName, ref, err); cerr != nil {
		return cerr
	}
	k := kindOf(err)
	return &vaultly.BackendError{Backend: backendName, Kind: k.Kind, Ref: ref, Msg: k.Hint, Err: err}
}
