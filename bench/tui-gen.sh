#!/usr/bin/env bash
# A runnable sweep for the TUI benchmark: U universes x K outputs in a chain (o<k> reads
# o<k-1>), each recipe one shell with a builtin echo, so 5,000 tasks run in about a minute on
# two cores and the TUI, not the recipes, is what is measured.
#
# usage: tui-gen.sh DIR U K
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 DIR U K" >&2; exit 2; }
dir=$1 U=$2 K=$3
mkdir -p "$dir/universes" "$dir/data"
echo 1 > "$dir/data/seed.txt"
{
  echo 'id: tui_bench'
  echo 'version: "0.0.12"'
  echo "name: TUI benchmark sweep ($U universes x $K outputs)"
  echo 'inputs:'
  echo '  - id: seed'
  echo '    type: data'
  echo '    source: data/seed.txt'
  echo 'decisions:'
  echo '  variant:'
  echo '    label: Variant'
  echo '    options:'
  awk -v U="$U" 'BEGIN { for (i = 0; i < U; i++) printf "      v%d: {label: \"v%d\"}\n", i, i }'
  echo 'outputs:'
  for ((k = 0; k < K; k++)); do
    echo "  - id: o$k"
    echo "    type: data"
    if [ "$k" -eq 0 ]; then echo "    inputs: [seed]"; else echo "    inputs: [o$((k - 1))]"; fi
    echo "    decisions: [variant]"
    echo "    recipe:"
    echo "      command: \"echo {decisions.variant} $k > {output}/out.txt\""
  done
} >"$dir/astra.yaml"
awk -v U="$U" -v d="$dir/universes" 'BEGIN {
  for (i = 0; i < U; i++) {
    f = d "/u" i ".yaml"
    printf "id: u%d\ndecisions:\n  variant: v%d\n", i, i > f
    close(f)
  }
}'
