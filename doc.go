// Package vaultly loads secrets into typed Go config structs.
//
// A service declares a struct and tags the fields that come from a secret
// store with a path template:
//
//	type Config struct {
//		Stage    string
//		Password vaultly.Secret[string] `secret:"/db/<stage>/password,ttl=5m,stale_on_error"`
//		PoolSize int                    `secret:"/db/<stage>/pool_size"`
//	}
//
// [Load] renders every template from the struct's own scalar fields (and
// [WithVars]), fetches every plain field through a [Backend] in as few round
// trips as the backend allows, converts the text to the field's type and
// fills the struct, or leaves it untouched and returns every failure at once.
// [Secret] fields are lazy: each Get reads through a TTL cache that is shared
// by everything one [Loader] loaded, refreshes when the TTL runs out and can
// serve the last good value while the backend is down.
//
// Errors match one of [ErrNotFound], [ErrAuth], [ErrTransient] or
// [ErrConfig] with errors.Is. No error, log line or formatted value produced
// by this package contains a secret value.
//
// Backends live in sub-packages: backends/env, backends/file,
// backends/mock, backends/ssm, backends/vault, and the wrappers
// backends/retry and backends/chain.
package vaultly
