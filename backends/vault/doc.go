// Package vault is a vaultly backend for HashiCorp Vault's KV version 2
// secrets engine, built on github.com/hashicorp/vault/api.
//
// A Ref's Path names a KV entry below the mount, optionally followed by
// ":key" to pick one field of the entry (split on the last colon); without
// it the default key ("value") is read. Several fields of one entry read in
// one GetBatch cost one HTTP request. Ref.Version pins a KV version
// (?version=N).
//
// String fields are returned as they are; numbers (with their exact text),
// booleans, objects and arrays are returned as JSON text, so int, bool, map
// and slice fields decode.
//
// Failures are classified into the vaultly error kinds: 404, a deleted or
// destroyed version and a missing key are ErrNotFound; 403 is ErrAuth after
// one re-authentication (when WithTokenFunc or WithAuth is set); 429, 5xx,
// 412, connection errors and timeouts are ErrTransient. Re-authentication is
// single-flight: a crowd of readers that meets an expired token logs in once.
//
// AppRole, Kubernetes, AWSIAM and TokenFile are built-in logins for
// WithAuth; each reads its credential (secret id, service-account token,
// token file) again at every login. After a login, one goroutine per
// Backend renews the token at two thirds of its TTL and logs in again
// before its max TTL ends or after a failed renewal, so reads do not meet
// an expired token; Close stops it (a Backend is an io.Closer, and whoever
// made it closes it). WithTokenHook reports logins and renewals. A static
// token is never renewed.
//
// Package vaulttest provides a loopback KV v2 server for tests.
package vault
