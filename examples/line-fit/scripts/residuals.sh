#!/bin/sh
# usage: residuals.sh CLEANED_DIR FIT_DIR OUTDIR -> OUTDIR/residuals.csv
set -eu
slope=$(sed 's/.*"slope": \([-0-9.]*\).*/\1/' "$2/fit.json")
intercept=$(sed 's/.*"intercept": \([-0-9.]*\).*/\1/' "$2/fit.json")
awk -F, -v a="$slope" -v b="$intercept" 'NR==1 { print "x,y,residual"; next } { printf "%s,%s,%.4f\n", $1, $2, $2 - (a*$1 + b) }' \
  "$1/points.csv" > "$3/residuals.csv"
