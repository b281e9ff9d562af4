/**
 * `lc verify --json`, schema 1:
 *   {"schema":1,"results":[{"id","passed","failure","detail"}],
 *    "summary":{"verified","passed","failed","not_materialised",<failure kind>: count...}}
 * Outputs that were never materialised are not results (nothing was verified); they are counted.
 */
import { VERIFY_FAILURES, type VerifyResult } from '../../engine/verify/types.js';

export const VERIFY_JSON_SCHEMA = 1;

export function verifyJson(results: readonly VerifyResult[]): string {
  const checked = results.filter((r) => r.status !== 'not_materialised');
  const summary: Record<string, number> = {
    verified: checked.length,
    passed: checked.filter((r) => r.passed).length,
    failed: checked.filter((r) => !r.passed).length,
    not_materialised: results.length - checked.length,
  };
  for (const f of VERIFY_FAILURES) summary[f] = checked.filter((r) => r.failure === f).length;
  const doc = {
    schema: VERIFY_JSON_SCHEMA,
    results: checked.map((r) => ({ id: r.id, passed: r.passed, failure: r.failure, detail: r.detail })),
    summary,
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
