// Package open opens a vaultly backend from a URL, so that the choice of
// store is configuration (one environment variable) rather than code:
//
//	backend, closer, err := open.Backend(ctx, os.Getenv("VAULTLY_BACKEND"))
//	if err != nil {
//		log.Fatal(err) // a vaultly.ErrConfig naming the bad part of the URL
//	}
//	defer closer.Close()
//
// The same binary then reads environment variables on a laptop
// (VAULTLY_BACKEND unset: env://), files in CI (file:///run/secrets) and
// SSM or Vault in production (ssm://?region=eu-west-1,
// vault://vault.internal:8200/secret?auth=kubernetes&role=app).
//
// # Grammar
//
//	env://[PREFIX]                         backends/env, env.WithPrefix(PREFIX)
//	file:///ABSOLUTE/DIR  file:RELATIVE/DIR backends/file
//	mock://                                backends/mock, empty (tests)
//	ssm://?region=R                        backends/ssm
//	secretsmanager://?region=R             backends/secretsmanager
//	vault://[HOST[:PORT]][/MOUNT]?auth=M   backends/vault
//
// An empty URL is [Default] (env://, no prefix). Several URLs separated by
// commas are a chain (backends/chain): the first that has a secret wins.
// Every member takes retry=DURATION (backends/retry with that total
// budget) and retry_attempts=N. docs/cli.md lists every parameter of every
// scheme.
//
// # Errors and secrets
//
// A malformed URL, an unknown scheme or parameter, a repeated parameter or
// a bad value is an error matching vaultly.ErrConfig that names the part
// (the chain member, the parameter) but never quotes a value, nor the URL.
// A URL cannot carry a secret: user info (user:password@) and parameters
// such as token=, secret_id= or password= are refused. Vault tokens come
// from VAULT_TOKEN or a file, AWS credentials from the SDK's usual chain,
// and the endpoints of AWS services from AWS_ENDPOINT_URL_SSM and the like
// (never from the URL, so that a URL cannot send signed requests and their
// session tokens elsewhere).
package open
