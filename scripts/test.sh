#!/usr/bin/env bash
# The README's test command: provision what the tests need, build lc, run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm install
bash scripts/provision.sh
npm run build
npm run lint
# Vitest's own summary is not a format every CI reader knows: end with the plain
# "N passed, N failed" line, from vitest's JSON report, and keep vitest's exit code.
report=$(mktemp)
trap 'rm -f "$report"' EXIT
set +e
npx vitest run --reporter=default --reporter=json --outputFile="$report" "$@"
code=$?
set -e
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + (r.numTodoTests ?? 0);
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$report" || echo "test.sh: no test report was written" >&2
exit $code
