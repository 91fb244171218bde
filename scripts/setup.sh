#!/usr/bin/env bash
# Installs what misgen needs on Debian bookworm, skipping what is present, so
# `make run`, `make test` and CI can all call it every time (idempotent).
#   - libtorch (CPU) + OpenBLAS (pthread build: ~3x faster than reference BLAS)
#   - python3-torch: the Python reference for `make bench` (same libtorch 1.13.1)
#     and, with python3-numpy, for the export tests (python/misgen)
#   - ebiten's cgo dependencies, Xvfb for headless viewer tests
#   - chromium for the report's browser test
#   - Slurm and munge: the `experiments slurm` tests bring up a private
#     single-node cluster (scripts/slurm-up.sh)
#   - Go modules
set -euo pipefail

packages=(
	g++ make pkg-config
	libtorch-dev libopenblas0-pthread python3-torch python3-numpy
	libc6-dev libx11-dev libxrandr-dev libxcursor-dev libxinerama-dev libxi-dev libxxf86vm-dev libgl-dev
	xvfb xauth
	chromium
	slurmctld slurmd slurm-client munge
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}" >&2
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -q
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! command -v go >/dev/null 2>&1; then
	echo "setup: Go 1.26 is required (expected at /usr/local/go/bin/go)" >&2
	exit 1
fi

cd "$(dirname "$0")/.."
go mod download
