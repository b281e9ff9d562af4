#!/usr/bin/env bash
# Benchmark: a project whose one external input is a big file (4 GiB by default), read by one
# output in 4 universes. What that input costs lc: the first `lc run` (which reads the input
# once to record its content hash, in the hash threads), `lc status` afterwards (stat only: it
# must not read input bytes), the no-op `lc run`, and `lc verify --refresh` after the input was
# touched (reads the input once to tell new timestamps from new bytes).
#
# The input is allocated with fallocate (zeros, no disk writes) and read once with cat before the
# first run, so it sits in the page cache and the figures are lc's own cost (the hash); an input
# that is not cached adds one read of the device to the first run and to the refresh.
#
# usage: bench/big-input.sh
# env:   BIG_INPUT_GIB=4     size of the input
#        BIG_INPUT_RUNS=5    timed status runs (median)
#        LC=path/to/lc.js    the lc to measure (default: this checkout's dist/bin/lc.js), to
#                            compare builds side by side
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
# shellcheck source=bench/lib/measure.sh
source "$here/lib/measure.sh"
out=$repo/bench/out/big-input
lc=${LC:-$repo/dist/bin/lc.js}
[ -f "$lc" ] || (cd "$repo" && npm run build >/dev/null)
gib=${BIG_INPUT_GIB:-4} runs=${BIG_INPUT_RUNS:-5}

rm -rf "$out/work"
mkdir -p "$out/work/data" "$out/work/universes"
dir=$out/work
export LIGHTCONE_SCRATCH=$out/work-scratch
rm -rf "$LIGHTCONE_SCRATCH"
fallocate -l "${gib}G" "$dir/data/big.bin" 2>/dev/null || truncate -s "${gib}G" "$dir/data/big.bin"
cat >"$dir/astra.yaml" <<'YAML'
id: big
version: "0.0.12"
name: Big input
inputs:
  - id: big
    type: data
    source: data/big.bin
decisions:
  u:
    label: U
    options: {a: {label: A}, b: {label: B}, c: {label: C}, d: {label: D}}
outputs:
  - id: size
    type: data
    inputs: [big]
    decisions: [u]
    recipe: {command: "wc -c < {inputs.big} > {output}/n; echo {decisions.u} >> {output}/n"}
YAML
cat "$dir/data/big.bin" >/dev/null
for u in a b c d; do printf 'id: %s\ndecisions:\n  u: %s\n' "$u" "$u" >"$dir/universes/$u.yaml"; done

cd "$dir"
read -r first_wall first_rss first_code first_cpu < <(measure "$out/run.out" node "$lc" run --plain)
[ "$first_code" = 0 ] || { cat "$out/run.out" "$out/run.out.err" >&2; exit 1; }
walls=()
for ((i = 0; i < runs; i++)); do
  read -r w _ code _ < <(measure "$out/status.out" node "$lc" status)
  [ "$code" = 0 ] || { cat "$out/status.out.err" >&2; exit 1; }
  walls+=("$w")
done
status_wall=$(printf '%s\n' "${walls[@]}" | median)
read -r noop_wall _ _ _ < <(measure "$out/noop.out" node "$lc" run --plain)
touch "$dir/data/big.bin"
read -r refresh_wall refresh_rss refresh_code refresh_cpu < <(measure "$out/refresh.out" node "$lc" verify --refresh)
read -r after_wall _ _ _ < <(measure "$out/after.out" node "$lc" run --dry-run)

{
  echo "## lc and a ${gib} GiB external input (4 universes), $(nproc) cores, $(date -u +%Y-%m-%d), lc: $lc"
  echo
  echo "| command | wall | CPU | peak RSS MiB | note |"
  echo "|---|---|---|---|---|"
  echo "| first lc run (4 tasks) | $first_wall s | $first_cpu s | $first_rss | exit $first_code |"
  echo "| lc status (median of $runs) | $status_wall s | - | - | stat only |"
  echo "| no-op lc run | $noop_wall s | - | - | $(grep -c 'nothing to run' "$out/noop.out") x nothing to run |"
  echo "| lc verify --refresh after touch | $refresh_wall s | $refresh_cpu s | $refresh_rss | exit $refresh_code |"
  echo "| lc run --dry-run after the refresh | $after_wall s | - | - | $(head -1 "$out/after.out") |"
} | tee "$out/results.md"
rm -f "$dir/data/big.bin"
