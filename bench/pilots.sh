#!/usr/bin/env bash
# Pilot-job benchmark on lc's private 2-node test cluster (root; scripts/cluster-up.sh), from
# this host as the login node, in one run:
#   sbatch latency    `sbatch --wrap` of a job that writes the time it starts (median of 3)
#   first task        `lc run --queue` with no session: spawn -> first task start (journal),
#                     against sbatch's own latency (target: < 5 s over it)
#   dispatch          N `true` tasks (1 cpu) through two 1-node pilots, warm (the pilots of the
#                     first run still up), against the same project inside `salloc -N2` (warm
#                     session), wall per task (target: equal, <= 3 ms/task over raw Dask is
#                     bench/scheduler.sh's)
# Env: PILOT_BENCH_TASKS (1000). Results: bench/out/pilots/results.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
n=${PILOT_BENCH_TASKS:-1000}
[ -f "$root/dist/bin/lc.js" ] || (cd "$root" && npm run build >/dev/null)
cdir=${LC_CLUSTER_DIR:-/tmp/lc-cluster}
before=$(cat "$cdir/started" 2>/dev/null || true)
eval "$(bash "$root/scripts/cluster-up.sh")"
if [ "$(cat "$cdir/started" 2>/dev/null)" != "$before" ]; then
  trap 'bash "$root/scripts/cluster-down.sh"' EXIT
fi
export PATH="$PATH:/usr/sbin" LC_PYTHON=${LC_PYTHON:-/usr/bin/python3} NO_COLOR=1
out="$root/bench/out/pilots"
rm -rf "$out"
mkdir -p "$out/proj/universes" "$out/proj/.lightcone"
lc() { node "$root/dist/bin/lc.js" "$@"; }
now_ms() { date +%s%3N; }

# --- the project: n universes of one output that does nothing ------------------------------
{
  printf 'id: noop\nversion: "0.0.12"\nname: No-op sweep\ninputs: []\ndecisions:\n  rep:\n    label: Replicate\n    options:\n'
  for ((i = 0; i < n; i++)); do printf '      r%d: {label: r%d}\n' "$i" "$i"; done
  printf 'outputs:\n  - id: noop\n    type: data\n    decisions: [rep]\n    recipe:\n      command: "true {decisions.rep}"\n      resources: {cpus: 1}\n'
} >"$out/proj/astra.yaml"
for ((i = 0; i < n; i++)); do printf 'id: u%d\ndecisions: {rep: r%d}\n' "$i" "$i" >"$out/proj/universes/u$i.yaml"; done
printf 'queues:\n  cpu: {nodes: 1, cpus: 2, memory: 1GB, walltime: "00:30:00", lifetime_margin: 1m, max_jobs: 2}\n' >"$out/proj/.lightcone/lightcone.yaml"
cd "$out/proj"

# --- sbatch's own latency ----------------------------------------------------------------------
lat=()
for k in 1 2 3; do
  f="$out/sbatch-$k"
  t0=$(now_ms)
  sbatch --parsable -N1 --output=/dev/null --wrap "date +%s%3N > $f" >/dev/null
  while [ ! -s "$f" ]; do sleep 0.05; done
  lat+=($(($(cat "$f") - t0)))
done
sbatch_ms=$(printf '%s\n' "${lat[@]}" | sort -n | sed -n 2p)

# --- first task of a cold lc run --queue, then the warm dispatch ---------------------------------
first_task() {  # the newest journal: ms from $1 to its first task_started
  node -e '
    const fs = require("fs"), p = require("path");
    const dir = process.argv[1];
    const runs = fs.readdirSync(dir).flatMap((d) => fs.readdirSync(p.join(dir, d)).map((f) => p.join(dir, d, f)));
    const j = runs.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
    const ev = fs.readFileSync(j, "utf8").trim().split("\n").map((l) => JSON.parse(l)).find((e) => e.type === "task_started");
    console.log(Math.round(ev.t - Number(process.argv[2])));' "$1/.lightcone/runs" "$2"
}
export LIGHTCONE_SCRATCH="$out/scratch-pilots"
t0=$(now_ms)
lc run --plain --queue cpu >"$out/cold.out" 2>&1
cold_first=$(first_task "$LIGHTCONE_SCRATCH" "$t0")
t0=$(now_ms)
lc run --plain --queue cpu --force >"$out/warm-pilots.out" 2>&1
pilots_ms=$(($(now_ms) - t0))
lc scheduler stop --queue cpu >/dev/null

# --- the same warm run inside an allocation -------------------------------------------------------
export LIGHTCONE_SCRATCH="$out/scratch-alloc"
alloc_ms=$(salloc -N2 --exclusive bash -c "
  node '$root/dist/bin/lc.js' run --plain --force >'$out/alloc-1.out' 2>&1
  t0=\$(date +%s%3N); node '$root/dist/bin/lc.js' run --plain --force >'$out/alloc-2.out' 2>&1; echo \$((\$(date +%s%3N) - t0))
  node '$root/dist/bin/lc.js' scheduler stop >/dev/null" 2>/dev/null | tail -1)

{
  echo "## Pilot jobs, $n no-op tasks (1 cpu), two 1-node pilots of 2 cpus vs salloc -N2, $(nproc) cores, $(date -u +%Y-%m-%d)"
  echo
  echo "| what | figure |"
  echo "|---|---|"
  echo "| sbatch latency (submit to job start, median of 3) | $sbatch_ms ms |"
  echo "| cold lc run --queue: spawn to first task start | $cold_first ms |"
  echo "| first task over sbatch latency | $((cold_first - sbatch_ms)) ms (target < 5000) |"
  echo "| warm run through pilots, wall | $pilots_ms ms ($(awk -v a="$pilots_ms" -v n="$n" 'BEGIN { printf "%.1f", a / n }') ms/task) |"
  echo "| warm run in salloc -N2, wall | $alloc_ms ms ($(awk -v a="$alloc_ms" -v n="$n" 'BEGIN { printf "%.1f", a / n }') ms/task) |"
  awk -v a="$pilots_ms" -v b="$alloc_ms" 'BEGIN { printf "\npilots / allocation: %.2fx\n", a / b }'
} | tee "$out/results.md"
