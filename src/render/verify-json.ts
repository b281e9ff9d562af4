/**
 * `lc verify --json`, schema 1:
 *   {"schema":1,"results":[{"id","passed","failure","detail"}],
 *    "summary":{"verified","passed","failed","not_materialised",<failure kind>: count...}}
 * Outputs that were never materialised are not results (nothing was verified); they are counted.
 *
 * `run` (null when none; see lc status --json) names the run holding the project; the tasks
 * it has not finished are not checked and counted in `summary.in_run`; `summary.on_host` counts
 * outputs that ran on the host although their recipe declares a container (fields added, schema 1).
 *
 * With --refresh (fields added, schema still 1): each result gets `"refreshed": true|false`
 * and `"adopted": true|false` (a Lightcone manifest replaced by ours, see engine/verify/adopt.ts),
 * and the summary `"refreshed"` (adopted ones included) and `"adopted"` counts. A passing
 * output that could not be refreshed says why in `detail` (null otherwise for passing outputs).
 */
import { VERIFY_FAILURES, type VerifyResult } from '../../engine/verify/types.js';
import { liveRunJson } from './live-run.js';
import type { InRun } from './verify-text.js';

export const VERIFY_JSON_SCHEMA = 1;

export interface VerifyJsonOptions {
  /** The run used --refresh: report `refreshed`. */
  refresh?: boolean;
  /** The run holding the project, and how many selected tasks it has not finished (not checked). */
  inRun?: InRun;
}

export function verifyJson(results: readonly VerifyResult[], opts: VerifyJsonOptions = {}): string {
  const checked = results.filter((r) => r.status !== 'not_materialised');
  const refreshedOf = (r: VerifyResult) => r.refresh?.refreshed === true;
  const summary: Record<string, number> = {
    verified: checked.length,
    passed: checked.filter((r) => r.passed).length,
    failed: checked.filter((r) => !r.passed).length,
    not_materialised: results.length - checked.length,
  };
  for (const f of VERIFY_FAILURES) summary[f] = checked.filter((r) => r.failure === f).length;
  const adoptedOf = (r: VerifyResult) => r.refresh?.refreshed === true && r.refresh.adopted !== undefined;
  if (opts.refresh) {
    summary.refreshed = checked.filter(refreshedOf).length;
    summary.adopted = checked.filter(adoptedOf).length;
  }
  summary.in_run = opts.inRun?.count ?? 0;
  summary.on_host = checked.filter((r) => r.onHost !== undefined).length;
  const doc = {
    schema: VERIFY_JSON_SCHEMA,
    run: liveRunJson(opts.inRun?.live),
    results: checked.map((r) => ({
      id: r.id,
      passed: r.passed,
      failure: r.failure,
      detail: r.detail ?? (opts.refresh && r.refresh?.refreshed === false ? r.refresh.reason : null),
      ...(opts.refresh ? { refreshed: refreshedOf(r), adopted: adoptedOf(r) } : {}),
    })),
    summary,
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
