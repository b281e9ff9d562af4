#!/usr/bin/env bash
# Benchmark: `lc dag --json` against Snakemake 7.21's dry-run (`snakemake -n`) of the same DAG,
# measured in the same run (machines are noisy: compare ratios, not absolute figures).
#
# usage: bench/dag.sh            (workloads: 2,000 x 5 and 20,000 x 5 chains, 2,000 x 5 fan-in)
# env:   DAG_BENCH_WORKLOADS="2000x5:chain 20000x5:chain"   override the workloads
#        DAG_BENCH_RUNS=3            timed lc runs per workload (median wall, max RSS reported)
#        SNAKEMAKE_TIMEOUT=600       seconds before a Snakemake dry-run is abandoned
#        DAG_BENCH_NO_PEER=1         skip Snakemake
# Targets: 10,000 tasks <= 0.5 s; 100,000 tasks < 5 s and < 1 GiB RSS.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
# shellcheck source=bench/lib/measure.sh
source "$here/lib/measure.sh"
out=$repo/bench/out/dag
mkdir -p "$out"
lc=$repo/dist/bin/lc.js
[ -f "$lc" ] || (cd "$repo" && npm run build >/dev/null)

workloads=${DAG_BENCH_WORKLOADS:-"2000x5:chain 20000x5:chain 2000x5:fanin"}
runs=${DAG_BENCH_RUNS:-3}
peer_timeout=${SNAKEMAKE_TIMEOUT:-600}

peer=yes
if [ -n "${DAG_BENCH_NO_PEER:-}" ]; then
  peer=no
elif ! command -v snakemake >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing snakemake (Debian package) for the side-by-side run..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y snakemake >/dev/null 2>&1 || true
  fi
  command -v snakemake >/dev/null || { echo "snakemake not found: peer column skipped (apt-get install snakemake)" >&2; peer=no; }
fi
peer_version=$([ $peer = yes ] && snakemake --version 2>/dev/null || echo -)

fmt_s() { awk -v s="$1" 'BEGIN { printf (s < 10 ? "%.2f s" : "%.1f s"), s }'; }
rows=()
verdicts=()
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
for w in $workloads; do
  size=${w%%:*} shape=${w#*:}
  [ "$shape" = "$w" ] && shape=chain
  U=${size%x*} K=${size#*x}
  tasks=$((U * K))
  dir=$out/sweep-$U-$K-$shape
  if [ ! -f "$dir/.complete" ]; then
    rm -rf "$dir"
    bash "$here/gen-sweep.sh" "$dir" "$U" "$K" "$shape"
    touch "$dir/.complete"
  fi

  # Warm the page cache and check the answer before timing anything.
  node "$lc" dag --json -C "$dir" >"$out/dag.json" 2>"$out/dag.err" || { cat "$out/dag.err" >&2; exit 1; }
  got=$(node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));process.stdout.write(String(d.tasks.length))' "$out/dag.json")
  if [ "$got" != "$tasks" ]; then echo "lc dag produced $got tasks for $w, expected $tasks" >&2; exit 1; fi

  walls=() cpus=() rss=0
  for ((r = 0; r < runs; r++)); do
    read -r wall mb code cpu < <(measure "$out/dag.json" node "$lc" dag --json -C "$dir")
    [ "$code" = 0 ] || { cat "$out/dag.json.err" >&2; exit 1; }
    walls+=("$wall") cpus+=("$cpu")
    [ "$mb" -gt "$rss" ] && rss=$mb
  done
  lc_wall=$(printf '%s\n' "${walls[@]}" | median)
  lc_cpu=$(printf '%s\n' "${cpus[@]}" | median)

  peer_cell="-" peer_rss="-" ratio="-"
  if [ $peer = yes ]; then
    read -r pwall pmb pcode pcpu < <(cd "$dir/snakemake" && measure "$out/snakemake.out" timeout "$peer_timeout" snakemake -n -j 1 -q)
    if [ "$pcode" = 0 ]; then
      peer_cell="$(fmt_s "$pwall") ($(fmt_s "$pcpu") CPU)" peer_rss="$pmb MiB"
      ratio=$(awk -v a="$pwall" -v b="$lc_wall" 'BEGIN { printf "%.1fx faster", a / b }')
    elif [ "$pcode" = 124 ]; then
      peer_cell="> ${peer_timeout} s (timed out)" peer_rss="$pmb MiB"
      ratio=$(awk -v a="$peer_timeout" -v b="$lc_wall" 'BEGIN { printf "> %.0fx faster", a / b }')
    else
      peer_cell="failed (exit $pcode)"
    fi
  fi
  rows+=("| $(commas "$tasks") tasks ($(commas "$U") x $K $shape) | $(fmt_s "$lc_wall") ($(fmt_s "$lc_cpu") CPU) | $rss MiB | $peer_cell | $peer_rss | $ratio |")

  if [ "$tasks" -le 10000 ]; then
    verdicts+=("$(awk -v s="$lc_wall" -v n="$tasks" 'BEGIN { print (s <= 0.5 ? "PASS" : "MISS") ": " n " tasks in " s " s wall (target <= 0.5 s)" }')")
  elif [ "$tasks" -ge 100000 ]; then
    verdicts+=("$(awk -v s="$lc_wall" -v m="$rss" -v n="$tasks" 'BEGIN { print (s < 5 && m < 1024 ? "PASS" : "MISS") ": " n " tasks in " s " s, " m " MiB (target < 5 s, < 1024 MiB)" }')")
  fi
done

{
  echo "## lc dag --json vs snakemake -n (Snakemake $peer_version), $(nproc) cores, $(date -u +%Y-%m-%d)"
  echo
  echo "Load average at start: $load_before (above the core count, wall times inflate; ratios hold)."
  echo
  echo "| workload | lc dag --json | lc peak RSS | snakemake -n | snakemake peak RSS | lc vs snakemake |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "lc: median of $runs runs, wall clock of the whole process (node start, spec load, DAG, JSON to a file);"
  echo "CPU = user + system time of the process (its children for Snakemake)."
  printf '%s\n' "${verdicts[@]}"
} | tee "$out/results.md"
