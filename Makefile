# Parley: build, run and test. See README.md.
GO        ?= go
BIN       ?= bin/parley
CONFIG    ?= examples/retail/parley.yaml
TESTFLAGS ?= -race -timeout 25m
PKGS      ?= ./...

# Model files installed by `make deps`; the binary and the tests look here
# when models/ is not under their working directory.
export PARLEY_MODELS ?= $(CURDIR)/models

.PHONY: deps build run chat test bench lint fuzz clean

## deps: install Debian packages, Go modules and model files (idempotent).
deps:
	./scripts/deps.sh

## build: build the parley binary into bin/.
build:
	$(GO) build -o $(BIN) ./cmd/parley

## run: start parley serve on the reference domain.
run: build
	./$(BIN) serve $(if $(wildcard $(CONFIG)),-c $(CONFIG))

## chat: talk to the reference agent in text.
chat: build
	./$(BIN) chat -c $(CONFIG)

## test: the whole suite, always with the race detector.
test:
	$(GO) vet $(PKGS)
	$(GO) test $(TESTFLAGS) $(PKGS)

## bench: Go benchmarks (medians need -count; see README) and the pipeline bench.
bench: build
	$(GO) test -run '^$$' -bench . -benchmem -count 5 $(PKGS)
	./$(BIN) bench pipeline --sessions 100 --json

## lint: formatting and static checks.
lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo "run gofmt -w"; exit 1)
	$(GO) vet $(PKGS)

## fuzz: run every fuzz target for a short while (FUZZTIME per target).
FUZZTIME ?= 30s
fuzz:
	@for p in $$($(GO) list $(PKGS)); do \
	  for f in $$($(GO) test -list '^Fuzz' $$p | grep '^Fuzz'); do \
	    echo "fuzz $$p $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$p || exit 1; \
	  done; \
	done

clean:
	rm -rf bin
