// Package awsbackendtest holds the tests both AWS backends
// (backends/ssm and backends/secretsmanager) run against their loopback
// fakes (ssmtest, smtest): how New finds its region, endpoint, timeouts
// and attempts; how credential failures and refusals become
// vaultly.ErrAuth with a hint and are not retried; and that the Go blocks
// of the backend's docs page are mirrored in its example_test.go. A
// backend describes itself and its fake in a Harness and calls the Run
// functions from its own tests.
package awsbackendtest
