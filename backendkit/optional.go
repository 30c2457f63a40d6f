package backendkit

import (
	"context"
	"time"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/internal/jsonkey"
)

// The optional interfaces below are how a backend tells a Loader that it
// can do more than Get. The Loader finds them with a type assertion, the
// way net/http finds http.Flusher; a backend written before one of them
// existed keeps working unchanged. Wrappers (retry, chain) implement each
// one and say whether the backend they hold does.
//
// A backend that holds resources (a token renewal goroutine, leases it may
// revoke) implements io.Closer. Whoever made a backend closes it: a
// Loader's Close never closes its backend, because one backend may serve
// many Loaders.

// KeyBackend is a Backend that takes members of JSON documents itself
// (Vault, whose entries are objects already). When ReadsKeys reports
// true, Load and Secret pass Refs with Key set to Get and GetBatch, and the
// backend returns that member: a string member as its text, any other
// member as its JSON text (see Member). When it reports false, or for a
// backend without the method, the core asks for the whole document (Key
// empty) and takes the member itself, so no backend can hand a keyed
// field the whole document by mistake.
type KeyBackend interface {
	vaultly.Backend
	ReadsKeys() bool
}

// PrefixBackend is a Backend that can load every secret under a path: the
// prefix tag option on a map field.
//
// GetPrefix returns the secrets whose paths begin with prefix (which ends
// in "/"), keyed by the rest of each path, with "/" between the names of
// nested folders: under "/app/flags/", "/app/flags/a/b" is "a/b". It
// follows every page of the store's listing. Nothing under prefix is an
// empty map and a nil error (the core decides whether that is an error).
// To bound the cost of a mistyped prefix it may stop reading once it holds
// more than max entries (the core refuses such an answer). Callers in
// this module always pass max >= 1; what a smaller max means is up to the
// backend. Errors are
// classified as for Get, with the Ref {Path: prefix}.
type PrefixBackend interface {
	vaultly.Backend
	GetPrefix(ctx context.Context, prefix string, max int) (map[string]string, error)
}

// LeaseBackend is a Backend whose values can carry their own lifetime:
// Vault's dynamic database credentials, PKI certificates issued with a
// lease, STS credentials. The lease tag option makes the core read such a
// field with GetLease; a backend without it is a configuration error at
// Load.
//
// GetLease returns the value at ref and how long it stays valid from now
// (zero when it carries no lease: the tag's ttl alone applies). The core
// expires the cached value at about two thirds of that time, or at the
// tag's ttl if that comes first, so the next read gets new credentials
// while the old ones still work.
type LeaseBackend interface {
	vaultly.Backend
	GetLease(ctx context.Context, ref vaultly.Ref) (value string, valid time.Duration, err error)
}

// Member takes the member ref.Key out of doc, a JSON object, the way the
// core does for the key= tag option: a string member as its text, any
// other member as its JSON text. A missing member is an ErrNotFound error
// naming the key and the path; a doc that is not a JSON object is an
// ErrConfig error. Neither quotes any part of doc. Wrappers that hold a
// backend which does not read keys use it to serve a Ref with Key set.
func Member(backend string, ref vaultly.Ref, doc string) (string, error) {
	v, err := jsonkey.Member(doc, ref.Key)
	switch err {
	case nil:
		return v, nil
	case jsonkey.ErrNoMember:
		return "", NewError(backend, vaultly.ErrNotFound, ref, err)
	default:
		return "", NewError(backend, vaultly.ErrConfig, ref, err)
	}
}
