# misgen: the two commands on a fresh machine are `make run` and `make test`.
# Both install what is missing first (scripts/setup.sh is idempotent).

SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)
GO ?= go
BIN := bin
# Profile for `make run` (quick: minutes on a 2-core CPU; full: research scale).
PROFILE ?= quick

.PHONY: setup build run test bench vet clean

setup:
	@./scripts/setup.sh

build: setup
	$(GO) build -o $(BIN)/ ./cmd/...

# The main job: a quick coinrun-ood experiment (train → eval → interp → report).
run: build
	./$(BIN)/experiments run coinrun-ood.toml --profile $(PROFILE)

# The test command (CI runs exactly this). Under Xvfb so the ebiten viewer
# tests run too (tag `display`: ebiten needs an X display at package load);
# a one-time libtorch shim compile takes ~2 minutes.
test: setup
	$(GO) vet ./...
	xvfb-run -a $(GO) test -tags display -timeout 20m ./...

# Benchmarks: prints `BENCH <name> <value> <unit>` lines (names are a contract).
bench: setup
	$(GO) run ./bench

clean:
	rm -rf $(BIN)
