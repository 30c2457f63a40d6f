package vaultly

import (
	"errors"
	"reflect"
)

// CachedPlan returns the plan stored for t, or nil, for the test that
// shows a second Load of a type reuses the plan.
func CachedPlan(t reflect.Type) any {
	p, _ := plans.Load(t)
	return p
}

// IsConversionError reports whether err holds a decode failure.
func IsConversionError(err error) bool {
	var ce *conversionError
	return errors.As(err, &ce)
}

// BatchResult is the core's reading of a batch answer, for the test that
// it agrees with backendkit.BatchResult.
var BatchResult = batchResult

// SlotsMapped reports how many Refs the Loader's map holds, for the test
// that idle slots do not stay behind.
func SlotsMapped(l *Loader) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.slots)
}

// OptionalInterfaces are the core's copies of backendkit's optional
// interfaces, by backendkit's names, for the test that each pair has one
// method set.
var OptionalInterfaces = map[string]reflect.Type{
	"KeyBackend":    reflect.TypeFor[keyBackend](),
	"PrefixBackend": reflect.TypeFor[prefixBackend](),
	"LeaseBackend":  reflect.TypeFor[leaseBackend](),
}
