#!/usr/bin/env bash
# Stop lc's private test cluster started by scripts/cluster-up.sh (LC_CLUSTER_DIR,
# default /tmp/lc-cluster): cancel its jobs, stop the daemons it recorded (each pid checked
# against its command line first, so a reused pid is never hit), then anything still living
# in its nodes' UTS namespaces (job steps, Dask workers), and the nodes' network namespaces and
# bridge (netns mode). Quiet; safe to run twice.
# --purge also removes the state dir.
set -uo pipefail

PURGE=0
[ "${1:-}" = "--purge" ] && PURGE=1
DIR=${LC_CLUSTER_DIR:-/tmp/lc-cluster}
CONF=$DIR/slurm.conf
export PATH="$PATH:/usr/sbin:/sbin"

[ "$(id -u)" -eq 0 ] || { echo "cluster-down: needs root" >&2; exit 1; }
if [ ! -f "$DIR/started" ]; then
  [ "$PURGE" = 1 ] && [ -f "$CONF" ] && rm -rf "$DIR"
  exit 0
fi

live() {  # PID: alive and not a zombie
  local state
  [ -r "/proc/$1/stat" ] || return 1
  state=$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null) || return 1
  [ "$state" != Z ]
}
ours() {  # PID: alive and its command line names our state dir
  live "$1" && tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$DIR"
}
term_then_kill() {
  [ $# -gt 0 ] || return 0
  kill -TERM "$@" 2>/dev/null
  local p left
  for _ in $(seq 50); do
    left=0
    for p in "$@"; do live "$p" && left=1; done
    [ $left = 0 ] && return 0
    sleep 0.1
  done
  for p in "$@"; do live "$p" && kill -KILL "$p" 2>/dev/null; done
  sleep 0.2
}

declare -A PID=()
NETNS=()
BRIDGES=()
while read -r name pid; do
  case $name in
    netns) NETNS+=("$pid") ;;
    bridge) BRIDGES+=("$pid") ;;
    ?*) PID[$name]=$pid ;;
  esac
done < "$DIR/started"

# 1. jobs, while the controller still answers
if [ -n "${PID[slurmctld]:-}" ] && ours "${PID[slurmctld]}"; then
  jobs=$(SLURM_CONF=$CONF timeout 10 squeue -h -o %i 2>/dev/null || true)
  if [ -n "$jobs" ]; then
    # shellcheck disable=SC2086
    SLURM_CONF=$CONF timeout 10 scancel $jobs >/dev/null 2>&1 || true
    for _ in $(seq 50); do
      [ -z "$(SLURM_CONF=$CONF timeout 5 squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.2
    done
  fi
fi

# 2. slurmd; remember their UTS namespaces (only those that are not the host's)
host_uts=$(readlink /proc/1/ns/uts)
declare -A NS=()
nodes=()
for name in "${!PID[@]}"; do
  case $name in slurmd-*)
    p=${PID[$name]}
    ours "$p" || continue
    nodes+=("$p")
    ns=$(readlink "/proc/$p/ns/uts" 2>/dev/null) && [ "$ns" != "$host_uts" ] && NS[$ns]=1 ;;
  esac
done
term_then_kill "${nodes[@]}"

# 3. whatever still lives in those namespaces (steps, workers the jobs left)
strays=()
for d in /proc/[0-9]*; do
  p=${d#/proc/}
  [ "$p" = $$ ] && continue
  ns=$(readlink "$d/ns/uts" 2>/dev/null) || continue
  [ -n "${NS[$ns]:-}" ] && live "$p" && strays+=("$p")
done
term_then_kill "${strays[@]}"

# 4. controller, then munge
for name in slurmctld munged; do
  p=${PID[$name]:-}
  [ -n "$p" ] && ours "$p" && term_then_kill "$p"
done

left=""
for name in "${!PID[@]}"; do ours "${PID[$name]}" && left+=" $name(${PID[$name]})"; done
if [ -n "$left" ]; then echo "cluster-down: still running:$left" >&2; exit 1; fi

# 5. the nodes' network (netns mode): namespaces (their veth ends go with them), then the bridge
for ns in "${NETNS[@]}"; do
  # a process still inside would keep the namespace's network alive
  for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
  ip netns delete "$ns" 2>/dev/null
done
for br in "${BRIDGES[@]}"; do ip link delete "$br" 2>/dev/null; done
for ns in "${NETNS[@]}"; do [ ! -e "/run/netns/$ns" ] || left+=" netns($ns)"; done
for br in "${BRIDGES[@]}"; do ! ip link show "$br" >/dev/null 2>&1 || left+=" bridge($br)"; done
if [ -n "$left" ]; then echo "cluster-down: still there:$left" >&2; exit 1; fi
rm -f "$DIR/started" "$DIR/settings" "$DIR/env" "$DIR"/*.pid "$DIR/munge/pid"
[ "$PURGE" = 1 ] && rm -rf "$DIR"
exit 0
