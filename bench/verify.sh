#!/usr/bin/env bash
# Benchmark: `lc verify` throughput against `sha256sum` on the same files, and a second verify
# of unchanged data (stat cache) against the first.
#
# Workload: an ASTRA project of 8 universes x 1 output, each output 4 files of 32 MiB of random
# bytes (1 GiB in all), materialised by a real `lc run`. Both tools read from the page cache
# (the files are read once before timing), so the comparison is hashing, not disk.
# lc figures are whole-process wall times (node start, spec, DAG, hashing, chain checks).
#
# usage: bench/verify.sh
# env:   VERIFY_BENCH_UNIVERSES=8 VERIFY_BENCH_FILES=4 VERIFY_BENCH_FILE_MIB=32   workload size
#        VERIFY_BENCH_RUNS=3                                                  timed runs (median)
# Targets: verify >= 90% of sha256sum throughput; second verify >= 10x faster.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
# shellcheck source=bench/lib/measure.sh
source "$here/lib/measure.sh"
out=$repo/bench/out/verify
mkdir -p "$out"
lc=$repo/dist/bin/lc.js
[ -f "$lc" ] || (cd "$repo" && npm run build >/dev/null)

U=${VERIFY_BENCH_UNIVERSES:-8} F=${VERIFY_BENCH_FILES:-4} MIB=${VERIFY_BENCH_FILE_MIB:-32} runs=${VERIFY_BENCH_RUNS:-3}
dir=$out/blobs-$U-$F-$MIB
export LIGHTCONE_SCRATCH=$out/scratch

if [ ! -f "$dir/.complete" ]; then
  rm -rf "$dir" "$LIGHTCONE_SCRATCH"
  mkdir -p "$dir/universes"
  {
    echo 'id: blobs'
    echo 'version: "0.0.12"'
    echo 'name: Verify benchmark'
    echo 'inputs: []'
    echo 'decisions:'
    echo '  seed:'
    echo '    label: Seed'
    echo '    options:'
    for ((i = 0; i < U; i++)); do echo "      s$i: {label: \"s$i\"}"; done
    echo 'outputs:'
    echo '  - id: blob'
    echo '    type: data'
    echo '    decisions: [seed]'
    echo '    recipe:'
    echo "      command: \"for i in \$(seq $F); do head -c $((MIB * 1048576)) /dev/urandom > {output}/part\$i.bin; done; echo {decisions.seed} > {output}/seed.txt\""
  } >"$dir/astra.yaml"
  for ((i = 0; i < U; i++)); do printf 'id: u%d\ndecisions:\n  seed: s%d\n' "$i" "$i" >"$dir/universes/u$i.yaml"; done
  (cd "$dir" && node "$lc" run -j2 --plain >"$out/build.log" 2>&1) || { tail -20 "$out/build.log" >&2; exit 1; }
  touch "$dir/.complete"
fi

files=$out/files.list
(cd "$dir" && find results -type f ! -name .lightcone-manifest.json | sort >"$files")
bytes=$(cd "$dir" && xargs -d '\n' stat -c %s <"$files" | awk '{ s += $1 } END { print s }')
(cd "$dir" && xargs -d '\n' cat <"$files" >/dev/null) # warm the page cache

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

# In-process time of the verify itself (hashing + checks, no node start or spec load), as
# printed by lc verify: `[hashed 1.0 GiB in 0.61s ...]`.
engine_s() { grep -o 'in [0-9.]*s' "$out/cmd.out" | tail -1 | tr -dc '0-9.'; }

cd "$dir"
read -r sha _ < <(time_median "$runs" xargs -d '\n' -a "$files" sha256sum)
read -r full _ < <(time_median "$runs" node "$lc" verify --no-cache)
full_engine=$(engine_s)
read -r full1 _ < <(time_median "$runs" node "$lc" verify --no-cache -j 1)
sleep 2.1 # files younger than 2 s are never cached (racy timestamps)
node "$lc" verify >/dev/null
read -r cached _ < <(time_median "$runs" node "$lc" verify)
cached_engine=$(engine_s)
grep -q "unchanged from cache" "$out/cmd.out" || { echo "second verify did not use the cache:" >&2; cat "$out/cmd.out" >&2; exit 1; }

mibs() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.0f MiB/s", b / 1048576 / s }'; }
{
  echo "## lc verify vs sha256sum ($(sha256sum --version | head -1)), $(awk -v b="$bytes" 'BEGIN { printf "%.2f GiB", b / 1073741824 }') in $((U * (F + 1))) files, $(nproc) cores, $(date -u +%Y-%m-%d)"
  echo
  echo "| command | wall (median of $runs) | throughput |"
  echo "|---|---|---|"
  echo "| sha256sum (one process, all files) | $sha s | $(mibs "$sha") |"
  echo "| lc verify --no-cache (default jobs: $(nproc)) | $full s | $(mibs "$full") |"
  echo "| lc verify --no-cache -j 1 | $full1 s | $(mibs "$full1") |"
  echo "| lc verify (second run, stat cache) | $cached s | - |"
  echo
  echo "Load average when done: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "Inside lc (verify only, without node start-up and spec loading): full $full_engine s, cached $cached_engine s."
  echo
  awk -v a="$sha" -v b="$full" 'BEGIN { r = a / b; printf "%s: lc verify at %.0f%% of sha256sum throughput (target >= 90%%)\n", (r >= 0.9 ? "PASS" : "MISS"), r * 100 }'
  awk -v a="$sha" -v b="$full1" 'BEGIN { printf "info: lc verify -j 1 at %.0f%% of sha256sum throughput\n", a / b * 100 }'
  awk -v a="$full_engine" -v b="$cached_engine" 'BEGIN { if (b < 0.005) b = 0.005; r = a / b; printf "%s: second verify %.0fx faster than a full one inside lc (target >= 10x)\n", (r >= 10 ? "PASS" : "MISS"), r }'
  awk -v a="$full" -v b="$cached" 'BEGIN { printf "info: whole process %.1fx faster (node start-up and spec loading are the same in both)\n", a / b }'
} | tee "$out/results.md"
