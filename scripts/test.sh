#!/usr/bin/env bash
# The README's test command: provision what the tests need, build lc, run the whole suite:
#   1. unit      everything but test/hpc, on the host
#   2. hpc lane  the SLURM + Dask suite on the host's Debian 12 stack
#   3. hpc lane  the same suite on Debian 13's stack (a debootstrap root, scripts/with-debian13.sh)
# Each run reports on its own (passed, failed, seconds); the last line is the total.
# Arguments go to every vitest run (a file filter runs in each run that has that file).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm install
bash scripts/provision.sh
npm run build
npm run lint

reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
code=0
labels=()
# run LABEL REPORT [PREFIX...] -- VITEST-ARGS...: one vitest run, its report kept, its exit remembered
run() {
  local label=$1 report=$2; shift 2
  local prefix=()
  while [ "$1" != "--" ]; do prefix+=("$1"); shift; done
  shift
  local start=$SECONDS rc=0
  echo "=== $label" >&2
  "${prefix[@]}" npx vitest run --passWithNoTests --reporter=default --reporter=json --outputFile="$report" "$@" || rc=$?
  [ $rc -eq 0 ] || code=$rc
  labels+=("$label|$report|$((SECONDS - start))")
}

host_lane=$(/usr/bin/python3 -c 'import sys, distributed; print("python %d.%d, distributed %s" % (sys.version_info[:2] + (distributed.__version__.split("+")[0],)))')
host_slurm=$(PATH="$PATH:/usr/sbin" slurmd -V | awk '{ print $2 }')
LANE12="hpc (debian 12: slurm ${host_slurm%.*}, ${host_lane#*, }, ${host_lane%%,*})"

run unit "$reports/unit.json" env -- --project unit "$@"
# One cluster, two nodes: its test files take turns. The project's fileParallelism: false did
# not keep two files apart in one run (pilot tests counted each other's jobs in squeue).
run "$LANE12" "$reports/hpc12.json" env LC_HPC_LANE="$LANE12" LC_PYTHON=/usr/bin/python3 -- --project "$LANE12" --no-file-parallelism "$@"
# with-debian13.sh builds the root the first time (about 2 minutes) and names the lane by its versions
LANE13=$(bash scripts/with-debian13.sh sh -c 'echo "$LC_HPC_LANE"')
run "$LANE13" "$reports/hpc13.json" bash scripts/with-debian13.sh -- --project "$LANE13" --no-file-parallelism "$@"

node scripts/test-report.mjs "${labels[@]}" || { [ $code -ne 0 ] || code=1; }
exit $code
