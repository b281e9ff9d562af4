#!/bin/sh
# usage: clean.sh POINTS.csv none|clip OUTDIR
set -eu
in=$1; cut=$2; out=$3
awk -F, -v cut="$cut" 'NR==1 || cut=="none" || ($2 <= 50 && $2 >= -50)' "$in" > "$out/points.csv"
echo "kept $(($(wc -l < "$out/points.csv") - 1)) points (cut=$cut)"
