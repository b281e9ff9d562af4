#!/usr/bin/env bash
# A sweep where an expensive upstream output depends on one decision with two options while
# the universes differ in another: lc must compute it twice (once per option), not U times.
#
# usage: gen-dedup.sh DIR U [SECONDS]
#   prep (SECONDS of sleep, default 0.5) depends on `cut` (loose|tight) only; fit depends on
#   prep and on `variant` (one option per universe). Every real run of prep appends a line to
#   DIR/.prep-runs, so `wc -l < DIR/.prep-runs` counts executions.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 DIR U [SECONDS]" >&2
  exit 2
fi
dir=$1 U=$2 S=${3:-0.5}
mkdir -p "$dir/universes" "$dir/data"
echo 1 > "$dir/data/seed.txt"
rm -f "$dir/.prep-runs"
{
  echo 'id: dedup'
  echo 'version: "0.0.12"'
  echo "name: Dedup sweep ($U universes, prep depends on one 2-option decision)"
  echo 'inputs:'
  echo '  - id: seed'
  echo '    type: data'
  echo '    source: data/seed.txt'
  echo 'decisions:'
  echo '  cut:'
  echo '    label: Cut'
  echo '    options:'
  echo '      loose: {label: loose}'
  echo '      tight: {label: tight}'
  echo '  variant:'
  echo '    label: Variant'
  echo '    options:'
  awk -v U="$U" 'BEGIN { for (i = 0; i < U; i++) printf "      v%d: {label: \"v%d\"}\n", i, i }'
  echo 'outputs:'
  echo '  - id: prep'
  echo '    type: data'
  echo '    inputs: [seed]'
  echo '    decisions: [cut]'
  echo '    recipe:'
  echo "      command: \"sleep $S && cat {inputs.seed} > {output}/prep.txt && echo {decisions.cut} >> {output}/prep.txt && echo {decisions.cut} >> .prep-runs\""
  echo '  - id: fit'
  echo '    type: data'
  echo '    inputs: [prep]'
  echo '    decisions: [variant]'
  echo '    recipe:'
  echo "      command: \"cat {inputs.prep}/prep.txt > {output}/fit.txt && echo {decisions.variant} >> {output}/fit.txt\""
} > "$dir/astra.yaml"
awk -v U="$U" -v d="$dir/universes" 'BEGIN {
  for (i = 0; i < U; i++) {
    f = d "/u" i ".yaml"
    printf "id: u%d\ndecisions:\n  cut: %s\n  variant: v%d\n", i, (i % 2 ? "tight" : "loose"), i > f
    close(f)
  }
}'
