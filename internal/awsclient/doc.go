// Package awsclient is the AWS plumbing the module's two AWS backends
// (backends/ssm and backends/secretsmanager) share: the options they have
// in common (Settings), the client configuration New builds with the
// production defaults (connect and read timeouts, a capped retryer), the
// marking of credential failures as vaultly.ErrAuth that the SDK never
// retries, and the error codes every AWS API shares.
//
// Each backend keeps its own exported API (options, constants, the SDK
// client type); this package holds only the logic that is the same for
// both.
package awsclient
