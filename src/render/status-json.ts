/**
 * `lc status --json`, schema 2:
 *   {"schema":2,
 *    "run": null | {"command","pid","host","started_at","run_id","held",
 *                   "progress": null | {"planned","succeeded","failed","blocked","running","queued"}},
 *    "tasks":[{"id","universe","output","state","reasons":[{"kind","detail"}],
 *              "key","data_version","finished_at","duration_s",
 *              "live": null | {"state","host","since"}}],
 *    "summary":{<state>: count}}
 * `state` is what the task is now: `running` or `queued` while the run holding the project
 * (`run`, `held` true) executes it, else its recorded state. `held` false: that run is gone
 * and left its lock; states are as recorded. Every state appears in the summary, zero or not,
 * so scripts can index it blindly. Schema 1 had no `run`, no `live` and no running or queued.
 */
import type { LiveRun } from '../../engine/runner/live-run.js';
import { TASK_STATES, type TaskStatus } from '../../engine/status/types.js';
import type { DisplayState } from '../style/states.js';
import { liveRunJson, liveTaskJson, shownState } from './live-run.js';

export const STATUS_JSON_SCHEMA = 2;

const SUMMARY_STATES: readonly DisplayState[] = [...TASK_STATES, 'running', 'queued'];

export function statusJson(statuses: readonly TaskStatus[], live: LiveRun | null = null): string {
  const summary = Object.fromEntries(SUMMARY_STATES.map((s) => [s, 0])) as Record<DisplayState, number>;
  const tasks = statuses.map((s) => {
    const state = shownState(s, live);
    summary[state]++;
    return {
      id: s.id,
      universe: s.universe,
      output: s.output,
      state,
      reasons: s.reasons.map((r) => ({ kind: r.kind, detail: r.detail })),
      key: s.key,
      data_version: s.dataVersion,
      finished_at: s.finishedAt,
      duration_s: s.durationS,
      live: liveTaskJson(live?.tasks.get(s.id)),
    };
  });
  const doc = { schema: STATUS_JSON_SCHEMA, run: liveRunJson(live), tasks, summary };
  return JSON.stringify(doc, null, 2) + '\n';
}
