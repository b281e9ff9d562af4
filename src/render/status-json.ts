/**
 * `lc status --json`, schema 2:
 *   {"schema":2,
 *    "scratch": {"path","source"},
 *    "executor": {"name": "local"|"dask", "scheduler": null|"slurm"|"pilots"|"external", "queue"},
 *    "run": null | {"command","pid","host","started_at","run_id","held",
 *                   "progress": null | {"planned","succeeded","failed","blocked","running","queued"}},
 *    "tasks":[{"id","universe","output","state","reasons":[{"kind","detail"}],
 *              "key","data_version","finished_at","duration_s",
 *              "live": null | {"state","host","since"},
 *              "notes": [string]}],
 *    "summary":{<state>: count}}
 * `state` is what the task is now: `running` or `queued` while the run holding the project
 * (`run`, `held` true) executes it, else its recorded state. `held` false: that run is gone
 * and left its lock; states are as recorded. Every state appears in the summary, zero or not,
 * so scripts can index it blindly. `scratch` is the directory holding logs, failure records,
 * journals and the run lock, and why that one: `source` is LIGHTCONE_SCRATCH, scratch_root
 * (.lightcone/lightcone.yaml), SCRATCH, or project (the default, inside the project).
 * `notes` are true facts about an output that are not a state (it ran on the host, not in its
 * declared container). `executor` is where `lc run` here would run the tasks (fields added,
 * schema 2). Schema 1 had no `scratch`, `run`, `live`, `notes`, running or queued.
 */
import type { ExecutorHere } from '../../engine/executors/kind.js';
import type { LiveRun } from '../../engine/runner/live-run.js';
import type { ScratchPaths } from '../../engine/scratch/paths.js';
import { TASK_STATES, type TaskStatus } from '../../engine/status/types.js';
import type { DisplayState } from '../style/states.js';
import { liveRunJson, liveTaskJson, shownState } from './live-run.js';

export const STATUS_JSON_SCHEMA = 2;

const SUMMARY_STATES: readonly DisplayState[] = [...TASK_STATES, 'running', 'queued'];

export interface StatusJsonOptions {
  live?: LiveRun | null;
  executor?: ExecutorHere;
  scratch?: Pick<ScratchPaths, 'base' | 'source'>;
}

export function statusJson(statuses: readonly TaskStatus[], o: StatusJsonOptions = {}): string {
  const live = o.live ?? null;
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
      notes: s.notes ?? [],
    };
  });
  const scratch = o.scratch ? { path: o.scratch.base, source: o.scratch.source } : null;
  const doc = { schema: STATUS_JSON_SCHEMA, scratch, executor: o.executor ?? null, run: liveRunJson(live), tasks, summary };
  return JSON.stringify(doc, null, 2) + '\n';
}
