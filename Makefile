# misgen: the two commands on a fresh machine are `make run` and `make test`.
# Both install what is missing first (scripts/setup.sh is idempotent).

SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)
GO ?= go
BIN := bin
# Profile for `make run` (quick: minutes on a 2-core CPU; full: research scale).
PROFILE ?= quick
# What `make run` runs, and where: runs/ is ignored by git, so a run never
# rewrites the reference results under results/ that the README cites.
CONFIG ?= coinrun-ood.toml
RUN_OUT ?= runs

.PHONY: setup build run test unit bench vet clean

setup:
	@./scripts/setup.sh

# Provenance: the Go environment here builds with -buildvcs=false, so the
# commit and a dirty flag are stamped in at link time; every manifest.json
# (and `bin/experiments version`) records them.
COMMIT = $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
MODIFIED = $(shell test -z "$$(git status --porcelain 2>/dev/null)" && echo false || echo true)
LDFLAGS = -X github.com/misgen/misgen/experiments.Commit=$(COMMIT) -X github.com/misgen/misgen/experiments.Modified=$(MODIFIED)

build: setup
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/ ./cmd/...

# The main job: a quick coinrun-ood experiment (train → eval → interp → report)
# in runs/<experiment>/<profile>-<config hash>/; re-running resumes there.
run: build
	@dir=$$(./$(BIN)/experiments validate $(CONFIG) --profile $(PROFILE) --out $(RUN_OUT) | sed -n 's/^ *run dir //p'); \
	echo "make run: writing $$dir (re-running resumes; the reference results stay in results/)"; \
	./$(BIN)/experiments run $(CONFIG) --profile $(PROFILE) --out $(RUN_OUT) && \
	echo "make run: the run is in $$dir (report.html; replays: bin/viewer $$dir)"

# The test command (CI runs exactly this): unit and integration tests.
# Under Xvfb so the ebiten viewer tests run too (tag `display`: ebiten needs
# an X display at package load); a one-time libtorch shim compile takes ~2
# minutes. Under CI=true (.ci/run) a missing tool fails its test instead of
# skipping it (internal/testtool).
test: setup
	$(GO) vet ./...
	xvfb-run -a $(GO) test -tags display -timeout 20m ./...

# Unit tests only: -short skips the integration tests (those that train
# agents through the commands or drive python3, Chromium, Slurm or a
# window); under 90 s with a warm build cache.
unit: setup
	$(GO) vet ./...
	$(GO) test -short ./...

# Benchmarks: prints `BENCH <name> <value> <unit>` lines (names are a contract).
bench: setup
	$(GO) run ./bench

clean:
	rm -rf $(BIN)
