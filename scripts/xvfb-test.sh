#!/usr/bin/env bash
# Runs the ebiten viewer tests under a virtual X display. They carry the
# "display" build tag because ebiten initialises GLFW at package init and
# panics without an X display, so plain `go test ./...` must not build them.
# Extra arguments go to `go test` (e.g. -v, -run Name).
set -euo pipefail
cd "$(dirname "$0")/.."
exec xvfb-run -a go test -tags display "$@" ./viz/viewer/... ./cmd/viewer/...
