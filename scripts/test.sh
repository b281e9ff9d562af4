#!/usr/bin/env bash
# The README's test command: provision what the tests need, build lc, run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm install
bash scripts/provision.sh
npm run build
npm run lint
npx vitest run "$@"
