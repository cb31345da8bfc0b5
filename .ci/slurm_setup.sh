#!/usr/bin/env bash
# A one-node Slurm on this machine for tests/test_slurm.py: installs Debian's slurm-wlm and
# munge, writes a minimal slurm.conf (no cgroups, no database) and starts munged, slurmctld
# and slurmd. Needs root and apt; elsewhere it says why and exits 0, so the Slurm test skips.
# Job records for `sacct` come from the job completion log (JobCompType=jobcomp/filetxt):
# without slurmdbd, `sacct --completion` is how sacct sees finished jobs.
set -euo pipefail

if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
    echo "slurm_setup: not root or no apt-get; the Slurm test will be skipped"
    exit 0
fi
if scontrol ping 2>/dev/null | grep -q UP; then
    echo "slurm_setup: slurmctld is already up"
    exit 0
fi

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends \
             slurm-wlm munge >/dev/null; }; then
        echo "slurm_setup: apt-get could not install slurm-wlm and munge; the Slurm test" \
             "will be skipped"
        exit 0
    fi
fi

host=$(hostname -s)
cpus=$(nproc)
memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))
mkdir -p /etc/slurm /var/lib/slurm/slurmctld /var/lib/slurm/slurmd /var/log/slurm /run/munge
cat > /etc/slurm/slurm.conf <<EOF
ClusterName=ddd-ci
SlurmctldHost=${host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
GresTypes=gpu
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=/var/log/slurm/jobcomp.log
MinJobAge=3600
ReturnToService=2
MpiDefault=none
NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${memory} Gres=gpu:1 State=UNKNOWN
PartitionName=ci Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
# One stand-in GPU (no device file): enough for Slurm to schedule `--gpus 1` jobs, which
# then run on the CPU.
echo "NodeName=${host} Name=gpu File=/dev/null Count=1" > /etc/slurm/gres.conf

if [[ ! -s /etc/munge/munge.key ]]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
fi
chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null || true
chmod 400 /etc/munge/munge.key
pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged
# Daemons of an earlier start that no longer answer (e.g. munged was restarted) start anew.
for pidfile in /run/slurmd.pid /run/slurmctld.pid; do
    if [[ -s $pidfile ]] && kill "$(cat "$pidfile")" 2>/dev/null; then sleep 2; fi
done
/usr/sbin/slurmctld
/usr/sbin/slurmd
sleep 2
scontrol update nodename="${host}" state=resume 2>/dev/null || true  # drained by an old start
for _ in $(seq 30); do
    if sinfo -h -o %T 2>/dev/null | grep -qx idle; then
        sinfo
        exit 0
    fi
    sleep 1
done
echo "slurm_setup: the node did not become idle; last log lines:" >&2
tail -n 20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2
exit 1
