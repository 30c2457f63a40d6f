# vaultly — every target works on a fresh machine with only Go installed.
GO       ?= go
FUZZTIME ?= 20s
PKGS     := ./...

.PHONY: all test demo bench bench-compare fleet fuzz lint integration

all: test

# The race detector needs cgo, and cgo needs a C compiler. CGO is 1 when the
# go command has cgo on (`go env CGO_ENABLED` is 1: not turned off with
# CGO_ENABLED=0, and a compiler found) and the compiler `go env CC` names
# exists (CC=/nonexistent does not); else 0. make test passes it on as
# CGO_ENABLED and adds -race only when it is 1.
CGO  := $(shell [ "$$($(GO) env CGO_ENABLED)" = 1 ] && set -- $$($(GO) env CC) && command -v "$$1" >/dev/null 2>&1 && echo 1 || echo 0)
RACE := $(if $(filter 1,$(CGO)),-race)

## test: go vet, the whole suite in random order (with the race detector where
## cgo is available, see CGO above), including the check that every Go block
## of README.md and docs/ compiles (internal/docscheck), and the leak tests
## again under encoding/json v2 (its errors quote more of the input)
test: export CGO_ENABLED := $(CGO)
test:
	@[ -n "$(RACE)" ] || echo "make test: no C compiler or CGO_ENABLED=0, so no cgo: running without the race detector"
	$(GO) vet $(PKGS)
	$(GO) test $(RACE) -shuffle=on $(PKGS)
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

## fleet: the fleet simulation of issue 13 at full size (1,000 and 10,000 instances
## against a 40 requests/s quota of SSM or Secrets Manager, in virtual time); prints the table of docs/performance.md
fleet:
	$(GO) run ./faulttest/fleet/cmd/fleet

## fuzz: each fuzz target for $(FUZZTIME)
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParseTag$$' -fuzztime $(FUZZTIME) .
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./internal/pathtmpl
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./open

## lint: gofmt, go vet and staticcheck (a pinned version, fetched and built by the go command)
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 $(PKGS)

## integration: the Vault scenarios against a real in-process Vault core (separate module;
## go test runs vet's default checks; a second, non-race build of Vault just for go vet would double a cold CI run)
integration:
	cd integration && $(GO) test -race -count=1 -timeout 25m ./...
