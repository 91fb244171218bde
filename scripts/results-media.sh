#!/usr/bin/env bash
# Regenerates the pictures kept with a run under results/: a GIF and a
# screenshot of a misgeneralizing OOD episode (viewer, headless) and a
# screenshot of report.html (headless Chromium).
#   scripts/results-media.sh RUN_DIR [PROXY_OUTCOME [EVERY]]
# PROXY_OUTCOME defaults to the game's proxy outcome for coinrun
# (reached_end_no_coin); use corner_no_cheese for maze runs. EVERY keeps
# every n-th frame in the GIF (default 2; 6 keeps 500-step episodes small).
set -euo pipefail
run=${1:?usage: results-media.sh RUN_DIR [PROXY_OUTCOME]}
proxy=${2:-reached_end_no_coin}
every=${3:-2}
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
mkdir -p bin
go build -o bin/viewer ./cmd/viewer # -gif and -screenshot need no display
mkdir -p "$run/media"
bin/viewer "$run" -filter "$proxy" -gif "$run/media/ood_failure.gif" -scale 6 -every "$every"
bin/viewer "$run" -filter "$proxy" -side -frame -1 -screenshot "$run/media/ood_failure_side_by_side.png"
if [ -f "$run/report.html" ] && command -v chromium >/dev/null; then
	profile=$(mktemp -d)
	chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
		--disable-component-update --disable-sync --disable-quic --user-data-dir="$profile" \
		--hide-scrollbars --window-size=1280,2400 --screenshot="$run/media/report.png" \
		"file://$(realpath "$run/report.html")" 2>/dev/null
	rm -rf "$profile"
fi
ls -la "$run/media"
