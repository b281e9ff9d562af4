#!/usr/bin/env bash
# Generate a benchmark workload: an ASTRA project of U universes x K outputs, and the same DAG
# as a Snakefile for a side-by-side Snakemake dry-run.
#
# usage: gen-sweep.sh DIR U K [chain|fanin] [shared]
#   chain  (default) o0 <- o1 <- ... <- o<K-1>: each output consumes the previous one
#   fanin  o0..o<K-2> each read the external input; o<K-1> consumes all of them
#   shared o0 lists no decision, so every universe has the same o0 key (one execution group)
#
# Writes DIR/astra.yaml, DIR/universes/u<i>.yaml, DIR/data/seed.txt and DIR/snakemake/Snakefile.
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 DIR U K [chain|fanin] [shared]" >&2
  exit 2
fi
dir=$1 U=$2 K=$3 shape=${4:-chain} share=${5:-}
case $shape in chain|fanin) ;; *) echo "shape must be chain or fanin, not '$shape'" >&2; exit 2 ;; esac
mkdir -p "$dir/universes" "$dir/data" "$dir/snakemake"
echo 1 > "$dir/data/seed.txt"

# Inputs of output k as YAML list items and as Snakemake input paths.
inputs_of() {
  local k=$1
  if [ "$shape" = chain ]; then
    if [ "$k" -eq 0 ]; then echo "seed"; else echo "o$((k-1))"; fi
  elif [ "$k" -lt $((K-1)) ] || [ "$K" -eq 1 ]; then
    echo "seed"
  else
    local j list=""
    for ((j = 0; j < K-1; j++)); do list+="o$j "; done
    echo "${list% }"
  fi
}

{
  echo 'id: sweep'
  echo 'version: "0.0.12"'
  echo "name: Generated sweep ($U universes x $K outputs, $shape)"
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
  # Recipes really run (the seed is a file, upstream outputs are dirs holding out.txt).
  for ((k = 0; k < K; k++)); do
    ins=$(inputs_of "$k")
    echo "  - id: o$k"
    echo "    type: data"
    echo "    inputs: [${ins// /, }]"
    if [ "$k" -eq 0 ] && [ "$share" = shared ]; then
      echo "    recipe:"
      echo "      command: \"for i in {inputs}; do if [ -d \$i ]; then cat \$i/out.txt; else cat \$i; fi; done > {output}/out.txt\""
    else
      echo "    decisions: [variant]"
      echo "    recipe:"
      echo "      command: \"for i in {inputs}; do if [ -d \$i ]; then cat \$i/out.txt; else cat \$i; fi; done > {output}/out.txt && echo {decisions.variant} $k >> {output}/out.txt\""
    fi
  done
} > "$dir/astra.yaml"

# One file per universe; awk writes them all in one process (20,000 forks of printf are slow).
awk -v U="$U" -v d="$dir/universes" 'BEGIN {
  for (i = 0; i < U; i++) {
    f = d "/u" i ".yaml"
    printf "id: u%d\ndecisions:\n  variant: v%d\n", i, i > f
    close(f)
  }
}'

# The same DAG for Snakemake: one rule per output, the universe as a wildcard.
{
  echo "UNIVERSES = [f'u{i}' for i in range($U)]"
  echo "rule all:"
  echo "    input: expand('results/{u}/o$((K-1))/out.txt', u=UNIVERSES)"
  for ((k = 0; k < K; k++)); do
    ins=$(inputs_of "$k")
    paths=""
    for i in $ins; do
      if [ "$i" = seed ]; then paths+="'data/seed.txt', "; else paths+="'results/{u}/$i/out.txt', "; fi
    done
    echo "rule o$k:"
    echo "    input: ${paths%, }"
    echo "    output: 'results/{u}/o$k/out.txt'"
    echo "    shell: 'cat {input} > {output} && echo {wildcards.u} $k >> {output}'"
  done
} > "$dir/snakemake/Snakefile"
mkdir -p "$dir/snakemake/data" && cp "$dir/data/seed.txt" "$dir/snakemake/data/seed.txt"
