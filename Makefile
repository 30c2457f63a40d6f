# vaultly — every target works on a fresh machine with only Go installed.
GO       ?= go
FUZZTIME ?= 20s
PKGS     := ./...

.PHONY: all test demo bench bench-compare fuzz lint integration

all: test

## test: go vet, the whole suite with the race detector in random order, and the
## leak tests again under encoding/json v2 (its errors quote more of the input)
test:
	$(GO) vet $(PKGS)
	$(GO) test -race -shuffle=on $(PKGS)
	GOEXPERIMENT=jsonv2 $(GO) test -run Leak .

## demo: run the quickstart against the file backend over testdata/secrets
demo:
	$(GO) run ./examples/quickstart

## bench: the library's own benchmarks (hot path, Load, backends)
bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

## bench-compare: vaultly beside go-envconfig, caarlos0/env, gocloud runtimevar and hand-written
## caches (separate module bench/, Go 1.26 for gocloud); rewrites the table in docs/performance.md
bench-compare:
	cd bench && $(GO) run ./cmd/compare

## fuzz: each fuzz target for $(FUZZTIME)
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParseTag$$' -fuzztime $(FUZZTIME) .
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./internal/pathtmpl

## lint: gofmt, go vet and staticcheck (a pinned version, fetched and built by the go command)
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 $(PKGS)

## integration: the Vault scenarios against a real in-process Vault core (separate module;
## go test runs vet's default checks; a second, non-race build of Vault just for go vet would double a cold CI run)
integration:
	cd integration && $(GO) test -race -count=1 -timeout 25m ./...
