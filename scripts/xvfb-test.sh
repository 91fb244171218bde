#!/usr/bin/env bash
# Runs the viewer tests under a virtual X display. The ebiten ones carry the
# "display" build tag because ebiten initialises GLFW at package init and
# panics without an X display, so plain `go test ./...` must not build them
# (cmd/viewer's own tests unset DISPLAY for the binary they run).
# Extra arguments go to `go test` (e.g. -v, -run Name).
set -euo pipefail
cd "$(dirname "$0")/.."
exec xvfb-run -a go test -tags display "$@" ./viz/viewer/... ./cmd/viewer/... ./cmd/viewer-window/...
