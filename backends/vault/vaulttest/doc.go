// Package vaulttest runs a loopback HashiCorp Vault KV server for tests.
//
// The server speaks the wire protocol the github.com/hashicorp/vault/api
// client expects, with the response shapes of a real Vault (1.21): KV v2
// reads with ?version=, writes that add versions, soft deletes and destroys
// (a deleted version answers 404 with its metadata and null data), an
// X-Vault-Token check, response wrapping of KV reads (X-Vault-Wrap-TTL: the
// data is replaced by wrap_info), approle, kubernetes and aws logins at any
// auth mount (AddAppRole, AddKubernetesRole, AddAWSRole: the aws request's
// SigV4 signature is checked), tokens with a TTL and a max TTL in the
// server's clock (WithTokenTTL) answering lookup-self and renew-self as
// Vault does, single-use wrapping tokens (Wrap) and token revocation. It
// also serves a KV v1 mount instead (WithKVVersion(1)),
// LIST on either, the mount check the vault CLI makes
// (sys/internal/ui/mounts), and leased secrets: paths such as
// database/creds/app whose every read issues new credentials with a lease
// (AddLeased, AddDatabaseRole), revocable at sys/leases/revoke. Faults
// (any status such as 403, 429, 500 or 503 "Vault is sealed", latency that
// honours cancellation, dropped connections) can be injected, and
// requests are counted, so tests can assert how many reads a client made.
//
// NewServer starts a server for a test and closes it when the test ends;
// New starts one outside a test (call Close).
//
//	srv := vaulttest.NewServer(t)
//	srv.Put("db/prod", map[string]any{"password": "s3cret", "port": 5432})
//	b, err := vault.New(vault.WithClient(srv.Client()))
//
// It is not a Vault: there are no policies beyond per-token denied path
// prefixes, no lease renewal, no namespaces (the header is only recorded)
// and one KV mount.
package vaulttest
