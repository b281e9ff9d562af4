#!/usr/bin/env bash
# The `lc run` benchmark workload, written three ways so the DAGs are the same by construction:
# U universes x a chain of K outputs, output k reading output k-1 (o0 reads a seed file) and
# appending one line: `cat <input> > out.txt && echo <variant> <k> >> out.txt`.
#
# usage: gen-run-sweep.sh DIR U K
#   DIR/lc/        ASTRA project (astra.yaml, universes/u<i>.yaml, data/seed.txt)
#   DIR/make/      Makefile: targets mk/u<i>/o<k>/out.txt. `make dirs` creates every output dir
#                  beforehand, so a timed `make -j2` spawns exactly one /bin/sh per task, like lc;
#                  `make MKDIR=1` runs `mkdir -p` inside each recipe instead.
#   DIR/snakemake/ Snakefile with the same rules (results/u<i>/o<k>/out.txt)
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 DIR U K" >&2
  exit 2
fi
dir=$1 U=$2 K=$3
mkdir -p "$dir/lc/universes" "$dir/lc/data" "$dir/make/data" "$dir/snakemake/data"
for d in lc make snakemake; do echo 1 > "$dir/$d/data/seed.txt"; done

{
  echo 'id: runsweep'
  echo 'version: "0.0.12"'
  echo "name: lc run benchmark ($U universes x a chain of $K outputs)"
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
    if [ "$k" -eq 0 ]; then
      echo "    inputs: [seed]"
      src='{inputs.seed}'
    else
      echo "    inputs: [o$((k - 1))]"
      src="{inputs.o$((k - 1))}/out.txt"
    fi
    echo "    decisions: [variant]"
    echo "    recipe:"
    echo "      command: \"cat $src > {output}/out.txt && echo {decisions.variant} $k >> {output}/out.txt\""
  done
} > "$dir/lc/astra.yaml"
awk -v U="$U" -v d="$dir/lc/universes" 'BEGIN {
  for (i = 0; i < U; i++) {
    f = d "/u" i ".yaml"
    printf "id: u%d\ndecisions:\n  variant: v%d\n", i, i > f
    close(f)
  }
}'

# make: $* is the universe (u<i>); lc echoes the variant (v<i>): the same number of bytes.
awk -v U="$U" -v K="$K" 'BEGIN {
  printf "UNIVERSES := $(shell seq 0 %d)\n", U - 1
  printf "FINAL := $(foreach u,$(UNIVERSES),mk/u$(u)/o%d/out.txt)\n", K - 1
  print "PRE = $(if $(MKDIR),mkdir -p $(@D) && ,)"
  print ".PHONY: all dirs"
  print ".SECONDARY:"
  print "all: $(FINAL)"
  printf "dirs:\n\t@for u in $(UNIVERSES); do for k in $$(seq 0 %d); do echo mk/u$$u/o$$k; done; done | xargs mkdir -p\n", K - 1
  for (k = 0; k < K; k++) {
    dep = (k == 0) ? "data/seed.txt" : sprintf("mk/%%/o%d/out.txt", k - 1)
    printf "mk/%%/o%d/out.txt: %s\n", k, dep
    printf "\t@$(PRE)cat $< > $@ && echo $* %d >> $@\n", k
  }
}' > "$dir/make/Makefile"

{
  echo "UNIVERSES = [f'u{i}' for i in range($U)]"
  echo "rule all:"
  echo "    input: expand('results/{u}/o$((K - 1))/out.txt', u=UNIVERSES)"
  for ((k = 0; k < K; k++)); do
    if [ "$k" -eq 0 ]; then input="'data/seed.txt'"; else input="'results/{u}/o$((k - 1))/out.txt'"; fi
    echo "rule o$k:"
    echo "    input: $input"
    echo "    output: 'results/{u}/o$k/out.txt'"
    echo "    shell: 'cat {input} > {output} && echo {wildcards.u} $k >> {output}'"
  done
} > "$dir/snakemake/Snakefile"
