#!/usr/bin/env bash
# Session-scheduler benchmark on lc's private 2-node test cluster (root; scripts/cluster-up.sh).
# Takes a 2-node allocation and runs bench/scheduler-bench.mjs inside it. Targets: executor
# overhead <= 3 ms/task over raw Dask (500 tasks, bulk), first task of a warm `lc run` < 0.3 s.
# Env: SCHED_BENCH_TASKS (500). Results: bench/out/scheduler/results.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
[ -f "$root/dist/src/cli.js" ] || (cd "$root" && npm run build >/dev/null)
up=$(bash "$root/scripts/cluster-up.sh")
eval "$up"
started=$(cat "$LC_CLUSTER_DIR/started")
salloc -N2 --exclusive bash -c "node '$here/scheduler-bench.mjs'"
