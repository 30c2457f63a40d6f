// Package awsfake is the machinery the module's loopback fakes of AWS
// JSON services (backends/ssm/ssmtest and backends/secretsmanager/smtest)
// share: a Core that listens on 127.0.0.1 and closes cleanly, answers the
// common part of every request (the request id, the missing signature,
// the quota, injected faults and latencies, the error answer), counts and
// logs requests, and keeps the clock; and the test client's HTTP client
// and retryer.
//
// Each fake keeps its own exported API (options, faults, Call and Request
// types) as thin wrappers over a Core, and its own operations and store.
package awsfake
