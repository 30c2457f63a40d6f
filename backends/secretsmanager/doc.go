// Package secretsmanager is a vaultly backend for AWS Secrets Manager,
// built on aws-sdk-go-v2.
//
//	b, err := secretsmanager.New(secretsmanager.WithRegion("eu-west-1"))
//	if err != nil {
//		return err
//	}
//	err = vaultly.Load(&cfg, b)
//
// A Ref's Path is a secret name or ARN. Get reads one secret with
// GetSecretValue. GetBatch, which vaultly.Load uses for every plain field
// at once, reads the current versions with BatchGetSecretValue: at most 20
// secrets a call, the calls issued in parallel (WithBatchConcurrency
// bounds how many at a time), each secret asked once however many Refs
// name it; an answer's per-secret errors are classified one by one.
// GetPrefix (the prefix tag option) lists a name prefix with
// BatchGetSecretValue's name filter, following every page.
//
// A Ref's Version selects a version: a version id (a UUID such as
// "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111") is sent as VersionId, anything
// else as a staging label (VersionStage): AWSCURRENT (the default),
// AWSPREVIOUS, AWSPENDING or a label of your own. BatchGetSecretValue
// returns only AWSCURRENT, so a Ref that pins another version is read
// with GetSecretValue, in the same parallel round. A SecretString is
// returned as it is; a SecretBinary as its raw bytes (a []byte field gets
// them unchanged). The key= tag option takes a member of a JSON secret.
//
// Every error matches one of vaultly.ErrNotFound, ErrAuth, ErrTransient or
// ErrConfig, with the SDK's error reachable through errors.As; when the
// caller's context ends, the error matches context.Canceled or
// context.DeadlineExceeded and is not ErrTransient. WithRateLimit keeps
// the backend under a request rate. See docs/secretsmanager.md for the
// error table, the IAM policy, timeouts and testing with package smtest.
package secretsmanager
