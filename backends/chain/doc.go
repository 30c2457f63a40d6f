// Package chain tries several vaultly backends in order: the first backend
// that has a secret answers for it.
//
//	overrides, err := env.New(env.WithPrefix("MYAPP"))
//	if err != nil {
//		return err
//	}
//	b, err := chain.New([]vaultly.Backend{overrides, ssmBackend})
//
// Options come after the backends, and an invalid one is an error from New
// matching vaultly.ErrConfig:
//
//	b, err := chain.New([]vaultly.Backend{primary, replica},
//		chain.FallThroughOnTransient(true), chain.WithNames("primary", "replica"))
//
// A backend's ErrNotFound falls through to the next backend. Any other
// failure (ErrAuth, ErrTransient, ErrConfig, a canceled context) stops the
// chain and is returned, naming the backend that failed: a store that is
// down or refuses the caller must not silently hand the lookup to a
// fallback that may hold an older value. FallThroughOnTransient lets
// transient failures fall through too, for chains whose later backends are
// an equally good source.
//
// A secret missing everywhere is an error matching vaultly.ErrNotFound
// that lists the backends asked. Backends are named by their Name() method,
// their String() method, or their Go type ("backendkit.Func"); WithNames sets
// the names explicitly.
//
// The chain implements vaultly.BatchBackend whatever its members are:
// GetBatch asks each backend only for the Refs still missing, through its
// GetBatch when it has one and with concurrent Gets (bounded by
// WithConcurrency) otherwise, which is what vaultly.Load would do itself.
//
// The chain reads keys (backendkit.KeyBackend) whatever its members are:
// a member that reads keys itself gets the Ref with its Key, any other is
// asked for the JSON document and the chain takes the member, so a keyed
// field works over env, file, SSM and Vault members alike. A document
// without the member falls through to the next backend, like a missing
// secret.
//
// GetPrefix (backendkit.PrefixBackend) merges the listings of the members
// that can list, the first member's value winning for a key several
// have; GetLease (backendkit.LeaseBackend) asks the members that read
// leases, in order, as Get does. Members without the method are skipped;
// a chain where no member has it is vaultly.ErrConfig naming the chain.
//
// A member that panics does not crash the caller: its answer becomes an
// ErrTransient error naming it, with the cause "backend panicked" (the
// panic value is never printed). When the caller's context ends, the
// error comes from backendkit.NewCanceledError and says which backends
// were asked.
package chain
