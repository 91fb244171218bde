#!/usr/bin/env bash
# Brings up a private single-node Slurm cluster on this machine, for tests and
# for trying `experiments slurm --submit` without a real cluster:
#
#   scripts/slurm-up.sh DIR      # start (or check) the cluster kept in DIR
#   export SLURM_CONF=DIR/slurm.conf
#   sbatch ... / squeue / scontrol ...
#   scripts/slurm-down.sh DIR    # cancel its jobs and stop its daemons
#
# Everything lives in DIR: slurm.conf, a munge key and a private munged (its
# socket is named in slurm.conf's AuthInfo, so a system munged or Slurm is
# never touched), state, spool, logs and pid files. No systemd and no cgroups:
# proctrack/linuxproc and task/none. Needs root (SlurmUser=root; munged runs
# as the munge user) and the Debian packages slurmctld slurmd slurm-client
# munge (scripts/setup.sh installs them). Idempotent: daemons already running
# for DIR are left alone, so a second call only waits for the node.
#
# Environment (defaults in brackets): SLURM_CLUSTER [misgen],
# SLURMCTLD_PORT [6917], SLURMD_PORT [SLURMCTLD_PORT+1], SLURM_PARTITION
# [debug]. Pick a cluster name and free ports to run several clusters at once.
set -euo pipefail

dir=${1:?usage: slurm-up.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
cluster=${SLURM_CLUSTER:-misgen}
ctld_port=${SLURMCTLD_PORT:-6917}
d_port=${SLURMD_PORT:-$((ctld_port + 1))}
partition=${SLURM_PARTITION:-debug}
host=$(hostname -s)
cpus=$(nproc)

die() { echo "slurm-up: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (SlurmUser=root, munged as the munge user)"
for b in munged slurmctld slurmd sbatch scontrol; do
	command -v "$b" >/dev/null || die "$b not found: install slurmctld slurmd slurm-client munge (scripts/setup.sh)"
done
id munge >/dev/null 2>&1 || die "no munge user: is the munge package installed?"

# running PIDFILE: the pid in PIDFILE if that process is alive.
running() {
	local pid
	pid=$(cat "$1" 2>/dev/null) || return 1
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# The munge user must reach its files: DIR is world-traversable (its
# parents must be too), the munge directory is the munge user's.
chmod 755 "$dir"
mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
chown munge:munge "$dir/munge"
chmod 755 "$dir/munge"
conf=$dir/slurm.conf
socket=$dir/munge/munge.socket

if ! running "$dir/munge/munged.pid" >/dev/null; then
	if [ ! -s "$dir/munge/munge.key" ]; then
		dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
	fi
	chown munge:munge "$dir/munge/munge.key"
	chmod 400 "$dir/munge/munge.key"
	rm -f "$socket" "$socket.lock"
	runuser -u munge -- munged --force --key-file="$dir/munge/munge.key" --socket="$socket" \
		--pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
		--seed-file="$dir/munge/munged.seed" ||
		die "munged did not start (see $dir/munge/munged.log)"
fi

cat >"$conf.tmp" <<EOF
# Written by scripts/slurm-up.sh: a private single-node cluster in $dir.
ClusterName=$cluster
SlurmctldHost=$host
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=60
KillWait=10
MinJobAge=600
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=$partition Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
mv "$conf.tmp" "$conf"
export SLURM_CONF=$conf

if ! running "$dir/slurmctld.pid" >/dev/null; then
	slurmctld -f "$conf" || die "slurmctld did not start (see $dir/log/slurmctld.log)"
fi
if ! running "$dir/slurmd.pid" >/dev/null; then
	slurmd -f "$conf" || die "slurmd did not start (see $dir/log/slurmd.log)"
fi

# Wait until the node takes jobs.
state=""
for _ in $(seq 1 120); do
	state=$(sinfo -h -N -n "$host" -o %T 2>/dev/null || true)
	case "$state" in
	idle* | mixed* | allocated*) echo "export SLURM_CONF=$conf"; exit 0 ;;
	esac
	sleep 0.5
done
die "node $host not ready after 60 s (state '${state:-unknown}'); see $dir/log/"
