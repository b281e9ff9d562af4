#!/usr/bin/env bash
# Benchmark: a sweep of a million tasks (200,000 universes x a chain of 5 outputs, nothing
# built): `lc dag --json`, `lc status` and `lc status --json`, each a whole process (node start,
# spec load, DAG, status of every task, output to a file), against Snakemake 7.21's dry-run
# (`snakemake -n`) of the same DAG, stopped after SCALE_SNAKEMAKE_TIMEOUT seconds.
#
# usage: bench/scale.sh
# env:   SCALE_BENCH_U=200000 SCALE_BENCH_K=5   workload size
#        SCALE_SNAKEMAKE_TIMEOUT=600            seconds before the dry-run is stopped
#        SCALE_BENCH_NO_PEER=1                  skip Snakemake
# Targets: each lc command < 40 s and < 4 GB peak RSS.
# Results: bench/out/scale/results.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
# shellcheck source=bench/lib/measure.sh
source "$here/lib/measure.sh"
out=$repo/bench/out/scale
mkdir -p "$out"
lc=$repo/dist/bin/lc.js
[ -f "$lc" ] || (cd "$repo" && npm run build >/dev/null)

U=${SCALE_BENCH_U:-200000} K=${SCALE_BENCH_K:-5}
tasks=$((U * K))
peer_timeout=${SCALE_SNAKEMAKE_TIMEOUT:-600}
dir=$out/sweep-$U-$K
export LIGHTCONE_SCRATCH=$out/scratch
without_node_ca_certs # see lib/measure.sh

if [ ! -f "$dir/.complete" ]; then
  rm -rf "$dir" "$LIGHTCONE_SCRATCH"
  echo "writing $U universe files..." >&2
  bash "$here/gen-sweep.sh" "$dir" "$U" "$K" chain
  touch "$dir/.complete"
  sleep 1 # past the racy window: the first lc command may keep what it read
fi

results=$out/results.md
row() { # LABEL CMD... -> a table row; the output goes to $out/cmd.out
  local label=$1; shift
  local wall mb code cpu
  read -r wall mb code cpu < <(measure "$out/cmd.out" "$@")
  [ "$code" = 0 ] || { echo "$label failed (exit $code):" >&2; tail -5 "$out/cmd.out.err" >&2; exit 1; }
  local verdict; verdict=$(awk -v w="$wall" -v m="$mb" 'BEGIN { print (w < 40 && m < 4096) ? "PASS" : "MISS" }')
  echo "| $label | $wall s | $cpu s | $mb MiB | $verdict |"
}

{
  echo "## $(commas "$tasks") tasks ($(commas "$U") universes x a chain of $K, nothing built), $(nproc) cores, $(date -u +%Y-%m-%d)"
  echo
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| command | wall | CPU user+sys | peak RSS | < 40 s and < 4 GB |"
  echo "|---|---|---|---|---|"
  row "lc dag --json" node "$lc" dag --json -C "$dir"
  got=$(node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));process.stdout.write(String(d.tasks.length))' "$out/cmd.out")
  [ "$got" = "$tasks" ] || { echo "lc dag gave $got tasks, expected $tasks" >&2; exit 1; }
  row "lc status (text)" node "$lc" status -C "$dir"
  grep -q "$tasks tasks: $tasks missing" "$out/cmd.out" || { echo "unexpected status:" >&2; tail -3 "$out/cmd.out" >&2; exit 1; }
  row "lc status --json" node "$lc" status --json -C "$dir"
  if [ -z "${SCALE_BENCH_NO_PEER:-}" ] && command -v snakemake >/dev/null; then
    read -r pwall pmb pcode pcpu < <(cd "$dir/snakemake" && measure "$out/snakemake.out" timeout -k 10 "$peer_timeout" snakemake -n -j 1 -q)
    if [ "$pcode" = 124 ] || [ "$pcode" = 137 ]; then
      echo "| snakemake -n -j 1 (dry-run) | > $peer_timeout s (stopped) | $pcpu s | $pmb MiB | - |"
    else
      echo "| snakemake -n -j 1 (dry-run) | $pwall s | $pcpu s | $pmb MiB | exit $pcode |"
    fi
  else
    echo "| snakemake -n -j 1 (dry-run) | not run (SCALE_BENCH_NO_PEER or snakemake missing) | | | |"
  fi
  echo
  echo "load after: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine inflates wall times)"
} | tee "$results"
