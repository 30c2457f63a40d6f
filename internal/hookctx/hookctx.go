// Package hookctx holds the context key under which the Loader passes its
// Hooks to backends, so that the root package and backendkit share it
// without either exporting it.
package hookctx

// Key is the context key; its value is a *vaultly.Hooks.
type Key struct{}
