#!/bin/sh
# usage: fit.sh CLEANED_DIR ols|median OUTDIR -> OUTDIR/fit.json
set -eu
in=$1/points.csv; est=$2; out=$3
awk -F, -v est="$est" '
  NR > 1 { n++; x[n] = $1; y[n] = $2; sx += $1; sy += $2; sxx += $1*$1; sxy += $1*$2 }
  END {
    if (est == "ols") {
      slope = (n*sxy - sx*sy) / (n*sxx - sx*sx)
    } else {
      m = 0
      for (i = 1; i <= n; i++) for (j = i+1; j <= n; j++) if (x[j] != x[i]) s[++m] = (y[j]-y[i])/(x[j]-x[i])
      for (i = 2; i <= m; i++) { v = s[i]; k = i-1; while (k > 0 && s[k] > v) { s[k+1] = s[k]; k-- } s[k+1] = v }
      slope = (m % 2) ? s[(m+1)/2] : (s[m/2] + s[m/2+1]) / 2
    }
    intercept = (sy - slope*sx) / n
    printf "{\"estimator\": \"%s\", \"n\": %d, \"slope\": %.4f, \"intercept\": %.4f}\n", est, n, slope, intercept
  }' "$in" > "$out/fit.json"
cat "$out/fit.json"
