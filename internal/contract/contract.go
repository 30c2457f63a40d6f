// Package contract holds what the root package and backendkit must share
// without either exporting it: the context key of the Loader's hooks and
// the rule for naming a backend.
package contract

import "fmt"

// HooksKey is the context key under which the Loader passes its
// *vaultly.Hooks to the backends below it.
type HooksKey struct{}

// Name names a backend for messages and logs: its Name() method if it has
// one, else its String() method, else its Go type. A method that panics
// (a typed nil, a misbehaving backend) gives the Go type.
func Name(b any) (name string) {
	defer func() {
		if recover() != nil {
			name = fmt.Sprintf("%T", b)
		}
	}()
	switch v := b.(type) {
	case interface{ Name() string }:
		return v.Name()
	case fmt.Stringer:
		return v.String()
	}
	return fmt.Sprintf("%T", b)
}
