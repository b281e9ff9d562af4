/**
 * `lc status --json`, schema 1:
 *   {"schema":1,"tasks":[{"id","universe","output","state","reasons":[{"kind","detail"}],
 *    "key","data_version","finished_at","duration_s"}],"summary":{<state>: count}}
 * Every state appears in the summary, zero or not, so scripts can index it blindly.
 */
import { summarize } from '../../engine/status/summary.js';
import type { TaskStatus } from '../../engine/status/types.js';

export const STATUS_JSON_SCHEMA = 1;

export function statusJson(statuses: readonly TaskStatus[]): string {
  const doc = {
    schema: STATUS_JSON_SCHEMA,
    tasks: statuses.map((s) => ({
      id: s.id,
      universe: s.universe,
      output: s.output,
      state: s.state,
      reasons: s.reasons.map((r) => ({ kind: r.kind, detail: r.detail })),
      key: s.key,
      data_version: s.dataVersion,
      finished_at: s.finishedAt,
      duration_s: s.durationS,
    })),
    summary: summarize(statuses),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
