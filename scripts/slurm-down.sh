#!/usr/bin/env bash
# Stops the private Slurm cluster that scripts/slurm-up.sh started in DIR:
# cancels its jobs, waits for them to end, then stops slurmd, slurmctld and
# munged (by the pids in DIR). Idempotent: does nothing for daemons that are
# not running. DIR itself (state, logs) is left for the caller to remove.
#
#   scripts/slurm-down.sh DIR
set -uo pipefail

dir=${1:?usage: slurm-down.sh DIR}
[ -d "$dir" ] || exit 0
dir=$(cd "$dir" && pwd)
export SLURM_CONF=$dir/slurm.conf

running() {
	local pid
	pid=$(cat "$1" 2>/dev/null) || return 1
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# stop PIDFILE: SIGTERM, then SIGKILL after 15 s.
stop() {
	local pid
	pid=$(running "$1") || return 0
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 1 30); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.5
	done
	kill -KILL "$pid" 2>/dev/null
}

if running "$dir/slurmctld.pid" >/dev/null && [ -f "$SLURM_CONF" ]; then
	jobs=$(squeue -h -o %A 2>/dev/null | sort -u)
	if [ -n "$jobs" ]; then
		# shellcheck disable=SC2086
		scancel $jobs 2>/dev/null
		# Wait (up to 30 s) for the jobs' processes to end while slurmd
		# still runs: it is the one that kills them.
		for _ in $(seq 1 60); do
			[ -z "$(squeue -h -t running,completing,configuring 2>/dev/null)" ] && break
			sleep 0.5
		done
	fi
fi
stop "$dir/slurmd.pid"
stop "$dir/slurmctld.pid"
stop "$dir/munge/munged.pid"
exit 0
