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
  return [...statusJsonChunks(statuses, o)].join('');
}

/**
 * The same document in pieces of about CHUNK_CHARS, each task serialised on its own: one
 * JSON.stringify of a million tasks needs the whole tree and a ~350 MB string at once (about
 * 1 GB more at its peak), and a string that long is near V8's limit.
 */
export function* statusJsonChunks(statuses: readonly TaskStatus[], o: StatusJsonOptions = {}): Generator<string> {
  const live = o.live ?? null;
  const summary = Object.fromEntries(SUMMARY_STATES.map((s) => [s, 0])) as Record<DisplayState, number>;
  const scratch = o.scratch ? { path: o.scratch.base, source: o.scratch.source } : null;
  const head = { schema: STATUS_JSON_SCHEMA, scratch, executor: o.executor ?? null, run: liveRunJson(live) };
  let buf = JSON.stringify(head, null, 2).slice(0, -2) + ',\n  "tasks": [';
  for (let i = 0; i < statuses.length; i++) {
    const s = statuses[i] as TaskStatus;
    const state = shownState(s, live);
    summary[state]++;
    buf += (i === 0 ? '\n    ' : ',\n    ') + taskText(s, state, live);
    if (buf.length >= CHUNK_CHARS) {
      yield buf;
      buf = '';
    }
  }
  buf += statuses.length === 0 ? '],\n' : '\n  ],\n';
  yield buf + '  "summary": ' + JSON.stringify(summary, null, 2).replace(/\n/g, '\n  ') + '\n}\n';
}

const CHUNK_CHARS = 1 << 20;

/**
 * JSON.stringify(task, null, 2) of one task, indented for the tasks array, written field by
 * field: the generic pretty-printer and the object it needs were most of a million-task
 * status's time and garbage. Nested values (reasons, live, notes) are mostly empty.
 */
function taskText(s: TaskStatus, state: DisplayState, live: LiveRun | null): string {
  const n = ',\n      ';
  const reasons = s.reasons.length === 0 ? '[]' : pretty(s.reasons.map((r) => ({ kind: r.kind, detail: r.detail })));
  const liveTask = live === null ? 'null' : pretty(liveTaskJson(live.tasks.get(s.id)));
  return (
    '{\n      "id": ' + JSON.stringify(s.id) +
    n + '"universe": ' + JSON.stringify(s.universe) +
    n + '"output": ' + JSON.stringify(s.output) +
    n + '"state": ' + JSON.stringify(state) +
    n + '"reasons": ' + reasons +
    n + '"key": ' + JSON.stringify(s.key) +
    n + '"data_version": ' + JSON.stringify(s.dataVersion) +
    n + '"finished_at": ' + JSON.stringify(s.finishedAt) +
    n + '"duration_s": ' + JSON.stringify(s.durationS) +
    n + '"live": ' + liveTask +
    n + '"notes": ' + (s.notes === undefined || s.notes.length === 0 ? '[]' : pretty(s.notes)) +
    '\n    }'
  );
}

/** A nested value as it sits inside a task of the tasks array. */
function pretty(v: unknown): string {
  return JSON.stringify(v, null, 2).replace(/\n/g, '\n      ');
}
