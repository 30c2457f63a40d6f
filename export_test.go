package vaultly

import "errors"

// PlanWalks reports how many struct types have been walked, for the test
// that shows a second Load of a type reuses the plan.
func PlanWalks() int64 { return planWalks.Load() }

// IsConversionError reports whether err holds a decode failure.
func IsConversionError(err error) bool {
	var ce *conversionError
	return errors.As(err, &ce)
}
