// Package vault is a vaultly backend for HashiCorp Vault's KV secrets
// engine (version 2, or 1 with WithKVVersion(1) or as detected from the
// mount), built on github.com/hashicorp/vault/api.
//
// A Ref's Path names a KV entry below the mount. Ref.Key takes one member
// of the entry (the Backend reads keys itself: backendkit.KeyBackend);
// without it, a ":key" suffix of the path picks one field (split on the
// last colon), else the default key ("value") is read. Several fields of
// one entry read in one GetBatch cost one HTTP request. Ref.Version pins
// a KV v2 version (?version=N); KV v1 has none.
//
// GetPrefix lists a folder with LIST, walking sub-folders, and reads its
// entries in parallel (backendkit.PrefixBackend, the prefix tag option).
// GetLease reads a secret that comes with a lease, such as dynamic
// database credentials, with a plain logical read
// (backendkit.LeaseBackend, the lease tag option); WithRevokeLeasesOnClose
// revokes the leases on Close. WithRateLimit keeps the backend inside a
// cluster's rate-limit quota, and a 429 answer is retried with jittered
// backoff.
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
// Package vaulttest provides a loopback KV server for tests.
package vault
