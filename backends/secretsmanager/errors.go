package secretsmanager

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/internal/awsclient"
)

// The hints an error carries: what to set or grant.
const (
	hintPolicy = "the AWS identity may not read this secret: its IAM policy (and the secret's resource policy) " +
		"must allow secretsmanager:GetSecretValue on it, and secretsmanager:BatchGetSecretValue " +
		"(with secretsmanager:ListSecrets for a prefix) on *"
	hintKMS     = "the secret's KMS key cannot be used: allow kms:Decrypt on the key to this AWS identity"
	hintDeleted = "the secret is scheduled for deletion (RestoreSecret brings it back)"
	hintOptIn   = "the AWS account is not subscribed to Secrets Manager in this region"
)

// codeKinds maps error codes to their kind: the codes every AWS API
// shares (awsclient.CommonCodes) and every code the service documents for
// GetSecretValue and BatchGetSecretValue (and in BatchGetSecretValue's
// Errors). Codes not listed here, and errors that carry no code
// (timeouts, connection errors), are vaultly.ErrTransient;
// ThrottlingException, InternalServiceError, InternalFailure,
// ServiceUnavailable, RequestTimeout and InvalidNextTokenException (a
// listing to start again) are among them on purpose.
var codeKinds = func() map[string]awsclient.CodeKind {
	codes := awsclient.CommonCodes(hintPolicy)
	codes["ResourceNotFoundException"] = awsclient.CodeKind{Kind: vaultly.ErrNotFound}
	// A read of a secret scheduled for deletion; the service's other
	// causes of this code concern writes and rotation.
	codes["InvalidRequestException"] = awsclient.CodeKind{Kind: vaultly.ErrNotFound, Hint: hintDeleted}
	codes["OptInRequired"] = awsclient.CodeKind{Kind: vaultly.ErrAuth, Hint: hintOptIn}
	// The secret's KMS key cannot be used.
	codes["DecryptionFailure"] = awsclient.CodeKind{Kind: vaultly.ErrAuth, Hint: hintKMS}
	// The request can never succeed as written: a malformed name, version
	// id or staging label.
	for _, code := range []string{"InvalidParameterException", "InvalidParameterValue",
		"InvalidParameterCombination", "ValidationException", "ValidationError"} {
		codes[code] = awsclient.CodeKind{Kind: vaultly.ErrConfig}
	}
	return codes
}()

// kindOf classifies an SDK error: its kind and the hint its error carries.
func kindOf(err error) awsclient.CodeKind {
	if k, ok := awsclient.Lookup(codeKinds, err); ok {
		return k
	}
	return awsclient.CodeKind{Kind: vaultly.ErrTransient}
}

// classify turns an SDK error for ref into a vaultly error. When the
// caller's ctx has ended, or the rate limit's wait could not end before
// its deadline, the result matches the context's error (and err) but no
// kind, so it is never answered from a stale value.
func classify(ctx context.Context, ref vaultly.Ref, err error) error {
	return classifyDetail(ctx, ref, "", err)
}

// classifyDetail is classify with a detail before the hint, such as the
// secret of a prefix that failed.
func classifyDetail(ctx context.Context, ref vaultly.Ref, detail string, err error) error {
	if cerr := awsclient.Canceled(ctx, backendName, ref, err); cerr != nil {
		return cerr
	}
	k := kindOf(err)
	msg := detail
	if k.Hint != "" {
		if msg != "" {
			msg += ": "
		}
		msg += k.Hint
	}
	return &vaultly.BackendError{Backend: backendName, Kind: k.Kind, Ref: ref, Msg: msg, Err: err}
}

// entryError is the SDK error for one entry of BatchGetSecretValue's
// Errors: the modelled error type for the codes the service models, so
// that errors.As finds the same type as for GetSecretValue, and a
// *smithy.GenericAPIError for the others (AccessDeniedException among
// them).
func entryError(code, message string) error {
	msg := &message
	switch code {
	case "ResourceNotFoundException":
		return &types.ResourceNotFoundException{Message: msg}
	case "InvalidRequestException":
		return &types.InvalidRequestException{Message: msg}
	case "InvalidParameterException":
		return &types.InvalidParameterException{Message: msg}
	case "DecryptionFailure":
		return &types.DecryptionFailure{Message: msg}
	case "InternalServiceError":
		return &types.InternalServiceError{Message: msg}
	}
	return &smithy.GenericAPIError{Code: code, Message: message}
}
