#!/usr/bin/env bash
# Session-scheduler benchmark on lc's private 2-node test cluster (root; scripts/cluster-up.sh).
# Takes a 2-node allocation and runs bench/scheduler-bench.mjs inside it. Targets: executor
# overhead <= 3 ms/task over raw Dask (500 tasks, bulk; SCHED_BENCH_TASKS=10000 for the big batch,
# target <= 1.1x raw), first task of a warm `lc run` < 0.3 s; CPU of lc, the scheduler and the
# bridge over the batch, and the bridge's memory.
# Env: SCHED_BENCH_TASKS (500). Results: bench/out/scheduler/results.md (results-N.md for other N).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
[ -f "$root/dist/bin/lc.js" ] || (cd "$root" && npm run build >/dev/null)
cdir=${LC_CLUSTER_DIR:-/tmp/lc-cluster}
before=$(cat "$cdir/started" 2>/dev/null || true)
eval "$(bash "$root/scripts/cluster-up.sh")"
# take the cluster down again only if this script brought it up
if [ "$(cat "$cdir/started" 2>/dev/null)" != "$before" ]; then
  trap 'bash "$root/scripts/cluster-down.sh"' EXIT
fi
salloc -N2 --exclusive bash -c "node '$here/scheduler-bench.mjs'"
