package vaultly

import "time"

// The lease tag option reads a field with leaseBackend.GetLease: a value
// that comes with its own lifetime (Vault's dynamic database credentials,
// certificates issued with a lease). The cached value stops being fresh
// at two thirds of the lease, or at the field's TTL if that comes first
// (binding.expiry), so the next read gets new credentials while the old
// ones still work.

// leaseFresh is how long after its fetch a value whose lease is valid for
// valid stays fresh: two thirds of it (computed so that it cannot
// overflow), and 0, no bound, for a value without a lease. A lease that
// has already ended (valid < 0) leaves the value fresh for no time at all.
func leaseFresh(valid time.Duration) time.Duration {
	switch {
	case valid == 0:
		return 0
	case valid < 0:
		return -1
	}
	return valid - valid/3
}
