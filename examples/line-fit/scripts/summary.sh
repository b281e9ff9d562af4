#!/bin/sh
# usage: summary.sh FIT_DIR RESIDUALS_DIR OUTDIR -> OUTDIR/summary.md
set -eu
rms=$(awk -F, 'NR > 1 { s += $3*$3; n++ } END { printf "%.3f", sqrt(s/n) }' "$2/residuals.csv")
{
  echo "# Line fit"
  echo
  echo "Fit: $(cat "$1/fit.json")"
  echo
  echo "RMS residual: $rms"
} > "$3/summary.md"
