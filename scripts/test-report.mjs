// The closing lines of scripts/test.sh: one line per vitest run ("LABEL: N passed, N failed in
// S s"), then the total alone as "N passed, N failed", which every CI reader knows.
// Arguments: "LABEL|REPORT.json|SECONDS" per run. A run whose report is missing (vitest died
// before writing it) counts as a failure, never as nothing.
import { readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
let missing = false;
for (const arg of process.argv.slice(2)) {
  const [label, file, seconds] = arg.split('|');
  let r;
  try {
    r = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    console.log(`${label}: no report (the run ended before writing one) after ${seconds} s`);
    missing = true;
    continue;
  }
  const skip = r.numPendingTests + (r.numTodoTests ?? 0);
  // a file that failed to load has no failed test of its own: count it as one failure
  const failedSuites = r.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
  const fail = r.numFailedTests + failedSuites;
  console.log(`${label}: ${r.numPassedTests} passed, ${fail} failed${skip ? `, ${skip} skipped` : ''} in ${seconds} s`);
  passed += r.numPassedTests;
  failed += fail;
  skipped += skip;
}
console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
process.exit(missing ? 1 : 0);
