// Package bench compares vaultly with the libraries a Go service would use
// instead: github.com/sethvargo/go-envconfig, github.com/caarlos0/env/v11
// and gocloud.dev/runtimevar, plus hand-written code where that is what a
// service would do.
//
// It is a separate module so that none of those libraries enters vaultly's
// go.mod. The benchmarks are named BenchmarkRow1Load ... BenchmarkRow6Memory
// after the rows of the table in docs/performance.md; cmd/compare runs them,
// one go test run per row with every peer of the row in it, and rewrites
// that table:
//
//	cd bench && go run ./cmd/compare
package bench

//go:generate sh -c "go run ./internal/gencfg > config100.go"
