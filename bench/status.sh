#!/usr/bin/env bash
# Benchmark: `lc status` on a fully built 10,000-task project (2,000 universes x a chain of 5
# outputs) against Snakemake 7.21's no-op check of the same DAG, measured in the same run.
#
# The workload comes from bench/gen-run-sweep.sh, which writes the same DAG as an ASTRA project
# and as a Snakefile. The lc project is materialised once by a real `lc run -j2`
# (real manifests); the Snakemake outputs are written by a script with increasing mtimes per
# layer (a full Snakemake run of 10,000 jobs takes > 600 s here), so Snakemake has nothing to do.
#
# usage: bench/status.sh
# env:   STATUS_BENCH_U=2000 STATUS_BENCH_K=5   workload size
#        STATUS_BENCH_RUNS=5                    timed lc runs (median)
#        STATUS_BENCH_NO_PEER=1                 skip Snakemake
#        STATUS_BENCH_CONTAINER=1               every recipe declares env/Containerfile, which
#                                               COPYs 20 source files (its own project; compare
#                                               with a run without it: target within 1.1x)
#        STATUS_BENCH_PEER_RUNS=3 (1 above 10,000 tasks)  timed Snakemake runs (median)
# Targets: lc status >= 20x faster than Snakemake's no-op check; 10,000 tasks <= 0.5 s.
# Results: bench/out/status/results.md (results-N.md for N tasks other than 10,000).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
# shellcheck source=bench/lib/measure.sh
source "$here/lib/measure.sh"
out=$repo/bench/out/status
mkdir -p "$out"
lc=$repo/dist/bin/lc.js
[ -f "$lc" ] || (cd "$repo" && npm run build >/dev/null)

U=${STATUS_BENCH_U:-2000} K=${STATUS_BENCH_K:-5} runs=${STATUS_BENCH_RUNS:-5}
tasks=$((U * K))
peer_runs=${STATUS_BENCH_PEER_RUNS:-$([ "$tasks" -le 10000 ] && echo 3 || echo 1)}
results=$out/results.md
[ "$tasks" = 10000 ] || results=$out/results-$tasks.md
without_node_ca_certs
container=${STATUS_BENCH_CONTAINER:+-container}
# 10,000 container starts would take an hour here: the recipes run on the host (runtime none,
# said in every output's notes); status still identifies the image as it would for a real run
[ -z "$container" ] || export LC_CONTAINER_RUNTIME=none
work=$out/work-$U-$K$container
dir=$work/lc
peer_dir=$work/snakemake
export LIGHTCONE_SCRATCH=$out/scratch

if [ ! -f "$dir/.complete" ]; then
  rm -rf "$work" "$LIGHTCONE_SCRATCH"
  bash "$here/gen-run-sweep.sh" "$work" "$U" "$K" >/dev/null
  if [ -n "$container" ]; then
    sed -i 's|^    recipe:$|    recipe:\n      container: env/Containerfile|' "$dir/astra.yaml"
    mkdir -p "$dir/env/src"
    printf 'FROM localhost/base\nCOPY requirements.txt src/ /app/\n' >"$dir/env/Containerfile"
    printf '**/*.tmp\n' >"$dir/env/.containerignore"
    echo numpy >"$dir/env/requirements.txt"
    for i in $(seq 1 20); do echo "print($i)" >"$dir/env/src/m$i.py"; done
  fi
  echo "materialising $tasks tasks with lc run -j2 (once)..." >&2
  (cd "$dir" && node "$lc" run -j2 --plain >"$out/build.log" 2>&1) || { tail -20 "$out/build.log" >&2; exit 1; }
  touch "$dir/.complete"
fi

peer=yes
if [ -n "${STATUS_BENCH_NO_PEER:-}" ]; then
  peer=no
elif ! command -v snakemake >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y snakemake >/dev/null 2>&1 || true
  fi
  command -v snakemake >/dev/null || { echo "snakemake not found: peer skipped (apt-get install snakemake)" >&2; peer=no; }
fi
if [ $peer = yes ] && [ ! -f "$peer_dir/.complete" ]; then
  # Every output exists, each layer one second newer than the one it reads (the seed older still).
  python3 - "$peer_dir" "$U" "$K" <<'PY'
import os, sys, time
d, U, K = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
base = time.time() - 3600
os.utime(f"{d}/data/seed.txt", (base - 10, base - 10))
for k in range(K):
    for u in range(U):
        p = f"{d}/results/u{u}/o{k}"
        os.makedirs(p, exist_ok=True)
        with open(f"{p}/out.txt", "w") as f:
            f.write(f"u{u} {k}\n")
        os.utime(f"{p}/out.txt", (base + k, base + k))
PY
  (cd "$peer_dir" && snakemake -j 1 -q >/dev/null 2>&1) || true
  touch "$peer_dir/.complete"
fi

# Check the answer (and warm the page cache) before timing anything.
node "$lc" status --json -C "$dir" >"$out/status.json"
ok=$(node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));process.stdout.write(String(d.summary.ok)+"/"+d.tasks.length)' "$out/status.json")
[ "$ok" = "$tasks/$tasks" ] || { echo "expected $tasks ok tasks, got $ok" >&2; exit 1; }

time_median() { # N CMD... -> "<median wall s> <median CPU s>" (exit code must be 0)
  local n=$1; shift
  local walls=() cpus=() w mb code cpu
  for ((r = 0; r < n; r++)); do
    read -r w mb code cpu < <(measure "$out/cmd.out" "$@")
    [ "$code" = 0 ] || { cat "$out/cmd.out" "$out/cmd.out.err" >&2; exit 1; }
    walls+=("$w") cpus+=("$cpu")
  done
  echo "$(printf '%s\n' "${walls[@]}" | median) $(printf '%s\n' "${cpus[@]}" | median)"
}

read -r status_text status_text_cpu < <(time_median "$runs" node "$lc" status -C "$dir")
read -r status_json status_json_cpu < <(time_median "$runs" node "$lc" status --json -C "$dir")
read -r dag_json dag_json_cpu < <(time_median "$runs" node "$lc" dag --json -C "$dir")
read -r _ status_rss _ _ < <(measure "$out/cmd.out" node "$lc" status -C "$dir")

peer_noop="-" peer_noop_cpu="-" peer_dry="-" peer_dry_cpu="-" ratio="-"
if [ $peer = yes ]; then
  read -r peer_noop peer_noop_cpu < <(cd "$peer_dir" && time_median "$peer_runs" snakemake -j 1 -q)
  read -r peer_dry peer_dry_cpu < <(cd "$peer_dir" && time_median "$peer_runs" snakemake -n -j 1 -q)
  ratio=$(awk -v a="$peer_noop" -v b="$status_text" 'BEGIN { printf "%.1fx faster", a / b }')
fi

{
  echo "## lc status vs Snakemake no-op ($(snakemake --version 2>/dev/null || echo -)), $tasks tasks ($U x $K chain${container:+, every recipe in one built container}), $(nproc) cores, $(date -u +%Y-%m-%d)"
  echo
  echo "| command | wall (median) | CPU user+sys (median) |"
  echo "|---|---|---|"
  echo "| lc status (text, aggregated per output) | $status_text s | $status_text_cpu s |"
  echo "| lc status --json | $status_json s | $status_json_cpu s |"
  echo "| lc dag --json (spec + DAG only, for reference) | $dag_json s | $dag_json_cpu s |"
  echo "| snakemake -j 1 (nothing to do) | $peer_noop s | $peer_noop_cpu s |"
  echo "| snakemake -n -j 1 (dry-run, nothing to do) | $peer_dry s | $peer_dry_cpu s |"
  echo
  echo "Load average when done: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine inflates wall times; compare ratios)."
  echo "node -e '': ${NODE_START} s (${NODE_START_WITH_CA} s with this machine's NODE_EXTRA_CA_CERTS, unset for every command above)."
  echo "lc status peak RSS: $status_rss MiB. lc vs snakemake no-op: $ratio."
  [ "$peer_noop" = - ] || awk -v a="$peer_noop" -v b="$status_text" 'BEGIN { r = a / b; print (r >= 20 ? "PASS" : "MISS") ": lc status " sprintf("%.1f", r) "x faster than Snakemake'"'"'s no-op (target >= 20x)" }'
  [ "$tasks" != 10000 ] || awk -v s="$status_text" 'BEGIN { print (s <= 0.5 ? "PASS" : "MISS") ": lc status of 10000 tasks in " s " s (target <= 0.5 s)" }'
} | tee "$results"
