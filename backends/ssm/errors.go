package ssm

import (
	"context"
	"errors"

	"github.com/aws/smithy-go"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

// Error codes and the kind each maps to. Codes not listed here, and
// errors that carry no code (timeouts, connection errors), are
// vaultly.ErrTransient.
var codeKinds = map[string]error{
	"ParameterNotFound":        vaultly.ErrNotFound,
	"ParameterVersionNotFound": vaultly.ErrNotFound,

	"AccessDeniedException":       vaultly.ErrAuth,
	"UnrecognizedClientException": vaultly.ErrAuth,
	"ExpiredTokenException":       vaultly.ErrAuth,
	"InvalidKeyId":                vaultly.ErrAuth, // the SecureString's KMS key cannot be used
	"InvalidClientTokenId":        vaultly.ErrAuth,
	"InvalidSignatureException":   vaultly.ErrAuth,
	"SignatureDoesNotMatch":       vaultly.ErrAuth,
	"IncompleteSignature":         vaultly.ErrAuth,
	"MissingAuthenticationToken":  vaultly.ErrAuth,
	"NotAuthorized":               vaultly.ErrAuth,

	// The request can never succeed as written: a malformed name, label
	// or selector.
	"ValidationException": vaultly.ErrConfig,
}

// kindOf classifies an SDK error.
func kindOf(err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if kind, ok := codeKinds[ae.ErrorCode()]; ok {
			return kind
		}
	}
	return vaultly.ErrTransient
}

// classify turns an SDK error for ref into a vaultly error. When the
// caller's ctx has ended, the result matches ctx.Err() (and err) but no
// kind, so it is never answered from a stale value.
func classify(ctx context.Context, ref vaultly.Ref, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return backendkit.NewCanceledError(backendName, ref, ctxErr, err)
	}
	return backendkit.NewError(backendName, kindOf(err), ref, err)
}
