// Package faulttest is vaultly's fault-injection suite. It has no API: its
// tests load a configuration through the real AWS SDK and Vault clients,
// against the loopback servers of packages ssmtest and vaulttest, inject
// outages, throttling storms, expired tokens, rotations and slow answers,
// and check that nothing wrong ever reaches the application: every value
// read is a value the store held, every failure is classified, no log line
// carries a secret, and the number of requests the store sees stays bounded.
//
// Time inside the cache is a fake clock, so an outage of minutes runs in a
// moment; only the network round trips take wall time. The tests print
// their figures (reads, stale serves, backend requests, longest read) with
// t.Logf:
//
//	go test -race -v -run . ./faulttest | grep figures
//
// docs/resilience.md ("Figures") lists them.
package faulttest
