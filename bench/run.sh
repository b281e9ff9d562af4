#!/usr/bin/env bash
# `npm run bench`: build lc once, then run every benchmark listed below (or only those whose
# name contains one of the arguments: `npm run bench -- dag`). Results go to bench/out/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
npm run build >/dev/null

# One benchmark script per line (add yours here; see bench/README.md).
BENCHES=(
  dag.sh
  scheduler.sh
  status.sh
  verify.sh
  tui.sh
  run-local.sh
  big-input.sh
  containers.sh
  pilots.sh
  scale.sh
)

status=0
for b in "${BENCHES[@]}"; do
  if [ $# -gt 0 ]; then
    keep=no
    for f in "$@"; do [[ $b == *"$f"* ]] && keep=yes; done
    [ $keep = yes ] || continue
  fi
  echo "=== bench/$b"
  bash "$here/$b" || { echo "bench/$b failed" >&2; status=1; }
  echo
done
exit $status
