// Package ssm is a vaultly backend for AWS Systems Manager Parameter
// Store, built on aws-sdk-go-v2.
//
//	b, err := ssm.New(ssm.WithRegion("eu-west-1"))
//	if err != nil {
//		return err
//	}
//	err = vaultly.Load(&cfg, b)
//
// Get reads one parameter with GetParameter. GetBatch, which vaultly.Load
// uses for every plain field at once, reads with GetParameters: at most 10
// names a call, the calls issued in parallel (WithBatchConcurrency bounds
// how many at a time), each name asked once however many Refs name it.
// SecureString parameters are decrypted unless WithDecryption(false).
//
// A Ref's Version selects a version or a label: Ref{Path: "/db/pw",
// Version: "3"} reads "/db/pw:3", Version "prod" reads "/db/pw:prod".
// Values are returned as SSM stores them; a StringList is its
// comma-separated text, which vaultly decodes into a []string field.
//
// GetPrefix (backendkit.PrefixBackend, the prefix tag option on a map
// field) reads every parameter under a path with GetParametersByPath,
// recursive and decrypted, 10 a page, following every NextToken; the map
// keys are the rest of each name ("a/b" under "/app/flags/").
//
// Parameter Store's throughput quota (40 requests a second by default) is
// shared by every client in the account and region. WithRateLimit(rps,
// burst) bounds this Backend's calls: every GetParameter, GetParameters
// call and GetParametersByPath page waits for its turn, whichever Loader
// or Secret makes it. A throttled call (ThrottlingException and the
// SDK's other throttle codes) is retried by the SDK's standard retryer
// with jittered backoff and, when the attempts run out, is
// vaultly.ErrTransient, so a stale_on_error field serves its last value.
//
// Every error matches one of vaultly.ErrNotFound, ErrAuth, ErrTransient or
// ErrConfig, with the SDK's error reachable through errors.As; when the
// caller's context ends, the error matches context.Canceled or
// context.DeadlineExceeded and is not ErrTransient. See docs/ssm.md for
// the table, the IAM policy, timeouts and testing with package ssmtest.
package ssm
