package vaultly

// PlanWalks reports how many struct types have been walked, for the test
// that shows a second Load of a type reuses the plan.
func PlanWalks() int64 { return planWalks.Load() }
