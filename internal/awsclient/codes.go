package awsclient

import (
	"errors"

	"github.com/aws/smithy-go"

	"github.com/vaultly/vaultly"
)

// HintCredentials is the hint of an ErrAuth error for credentials that
// are missing, expired or refused: what to set.
const HintCredentials = "no valid AWS credentials (missing, expired or refused): set AWS_PROFILE " +
	"(after aws sso login for an SSO profile), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY " +
	"(and AWS_SESSION_TOKEN for temporary keys), or run with an IAM role"

// CodeKind is the kind of an error code and the hint its error carries.
type CodeKind struct {
	Kind error
	Hint string
}

// CommonCodes returns the error codes every AWS API shares, each with its
// kind: credentials missing, expired, unknown to AWS or badly signed are
// vaultly.ErrAuth with HintCredentials; valid credentials that a policy
// does not allow to read are vaultly.ErrAuth with hintPolicy, the
// backend's hint of what to grant. A backend adds its own codes to the
// map.
func CommonCodes(hintPolicy string) map[string]CodeKind {
	codes := map[string]CodeKind{
		"AccessDeniedException": {vaultly.ErrAuth, hintPolicy},
		"AccessDenied":          {vaultly.ErrAuth, hintPolicy},
		"NotAuthorized":         {vaultly.ErrAuth, hintPolicy},
	}
	for _, code := range []string{
		"UnrecognizedClientException",
		"ExpiredTokenException",
		"ExpiredToken",
		"InvalidClientTokenId",
		"InvalidAccessKeyId",
		"InvalidSignatureException",
		"SignatureDoesNotMatch",
		"IncompleteSignature",
		"MissingAuthenticationToken",
		"MissingAuthenticationTokenException",
		"AuthFailure",
	} {
		codes[code] = CodeKind{vaultly.ErrAuth, HintCredentials}
	}
	return codes
}

// Lookup classifies err by codes: a *CredentialsError is ErrAuth with
// HintCredentials, an API error whose code is in codes has that code's
// kind. ok is false for every other error, which the backend classifies.
func Lookup(codes map[string]CodeKind, err error) (k CodeKind, ok bool) {
	var ce *CredentialsError
	if errors.As(err, &ce) {
		return CodeKind{vaultly.ErrAuth, HintCredentials}, true
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		k, ok = codes[ae.ErrorCode()]
	}
	return k, ok
}
