/**
 * Read-only questions about the view state that both the reducer (cursor moves) and the frame
 * builder ask. Linear at worst: nothing here sorts all tasks.
 */
import { median } from '../../../engine/results/table.js';
import { groupFailures, type FailureGroup, type FailureInput } from '../../../engine/status/failure-groups.js';
import type { DisplayState, OutputCounts, OutputInfo, TaskView, ViewState } from './types.js';

export const displayState = (t: TaskView): DisplayState => t.live ?? t.state;

/** Which count column a display state adds to (`stale` absorbs modified and unreadable). */
export function countKey(s: DisplayState): Exclude<keyof OutputCounts, 'total'> {
  switch (s) {
    case 'ok':
      return 'ok';
    case 'missing':
      return 'missing';
    case 'failed':
      return 'failed';
    case 'running':
      return 'running';
    case 'queued':
      return 'queued';
    case 'blocked':
      return 'blocked';
    default:
      return 'stale';
  }
}

/** Order of rows in the details pane: what needs eyes first. */
const PRIORITY: Record<DisplayState, number> = {
  failed: 0,
  running: 1,
  blocked: 2,
  queued: 3,
  modified: 4,
  unreadable: 5,
  stale: 6,
  missing: 7,
  ok: 8,
};
export const STATE_PRIORITY_LEVELS = 9;
export const statePriority = (s: DisplayState): number => PRIORITY[s];

/** The state an output row summarises its universes with: the most urgent one present. */
export function outputDisplayState(c: OutputCounts): DisplayState | 'none' {
  if (c.total === 0) return 'none';
  if (c.failed) return 'failed';
  if (c.running) return 'running';
  if (c.blocked) return 'blocked';
  if (c.queued) return 'queued';
  if (c.stale) return 'stale';
  if (c.missing) return 'missing';
  return 'ok';
}

export function universeVisible(state: ViewState, universe: string): boolean {
  return state.universeFilter.length === 0 || state.universeFilter.includes(universe);
}

/** Outputs matching the `/` filter (case-insensitive substring), in layer order. */
export function visibleOutputs(state: ViewState): OutputInfo[] {
  const f = state.ui.nameFilter.trim().toLowerCase();
  if (!f) return state.outputs;
  return state.outputs.filter((o) => o.qid.toLowerCase().includes(f));
}

/**
 * Rows of the details pane: the selected output's tasks in the filtered universes, or with
 * nothing selected, every task that is not ok. Ordered by urgency, then output, then universe,
 * by bucketing (linear, so 5,000-task sweeps stay cheap per frame).
 */
export function detailRows(state: ViewState): TaskView[] {
  // One frame asks several times (rows, log pane, keys); ticks and utilisation samples change
  // the state but not these inputs, so the last answer is kept.
  const m = lastRows;
  if (
    m &&
    m.tasks === state.tasks &&
    m.byOutput === state.tasksByOutput &&
    m.filter === state.universeFilter &&
    m.outputs === state.outputs &&
    m.sel === state.ui.selectedOutput &&
    m.name === state.ui.nameFilter
  ) {
    return m.rows;
  }
  const { rows, counts } = computeDetailRows(state);
  lastRows = {
    counts,
    tasks: state.tasks,
    byOutput: state.tasksByOutput,
    filter: state.universeFilter,
    outputs: state.outputs,
    sel: state.ui.selectedOutput,
    name: state.ui.nameFilter,
    rows,
  };
  return rows;
}

let lastRows:
  | {
      counts: Partial<Record<DisplayState, number>>;
      tasks: ViewState['tasks'];
      byOutput: ViewState['tasksByOutput'];
      filter: string[];
      outputs: ViewState['outputs'];
      sel: string | null;
      name: string;
      rows: TaskView[];
    }
  | undefined;

/** How many details rows are in each state (for `+N more: 800 ok, 3 stale`). */
export function detailCounts(state: ViewState): Partial<Record<DisplayState, number>> {
  detailRows(state);
  return lastRows?.counts ?? {};
}

const ORDER = Object.keys(PRIORITY) as DisplayState[];

function computeDetailRows(state: ViewState): { rows: TaskView[]; counts: Partial<Record<DisplayState, number>> } {
  const buckets: TaskView[][] = Array.from({ length: STATE_PRIORITY_LEVELS }, () => []);
  const sel = state.ui.selectedOutput;
  const qids = sel !== null ? [sel] : visibleOutputs(state).map((o) => o.qid);
  const filtered = state.universeFilter.length > 0 ? new Set(state.universeFilter) : null;
  for (const qid of qids) {
    for (const id of state.tasksByOutput.get(qid) ?? []) {
      const t = state.tasks.get(id);
      if (!t || (filtered && !filtered.has(t.universe))) continue;
      const d = displayState(t);
      if (sel === null && d === 'ok') continue;
      (buckets[PRIORITY[d]] as TaskView[]).push(t);
    }
  }
  const counts: Partial<Record<DisplayState, number>> = {};
  for (const d of ORDER) {
    // One state per priority level, so a bucket's size is that state's count.
    const n = (buckets[PRIORITY[d]] as TaskView[]).length;
    if (n) counts[d] = n;
  }
  return { rows: buckets.flat(), counts };
}

export function selectedTaskView(state: ViewState): TaskView | undefined {
  const id = state.ui.selectedTask;
  return id === null ? undefined : state.tasks.get(id);
}

/** True while a run (ours or an attached one) is between start and finish. */
export const runActive = (state: ViewState): boolean =>
  state.run.phase === 'starting' || state.run.phase === 'running' || state.run.phase === 'cancelling';

/** Stale-or-worse task count in the filtered universes (what `r` with nothing selected would run). */
/**
 * What the run is doing to its tasks now, counted from the tasks themselves: the one source of
 * the header's, the rows' and WORKERS' numbers (a task handed to Dask is queued until it starts).
 */
export function liveCounts(state: ViewState): { running: number; queued: number; blocked: number } {
  const c = { running: 0, queued: 0, blocked: 0 };
  for (const t of state.tasks.values()) if (t.live) c[t.live]++;
  return c;
}

/** The failed tasks of the shown universes, grouped by the cause their logs end with. */
export function failureGroups(state: ViewState): FailureGroup[] {
  const shown = state.universeFilter.length > 0 ? new Set(state.universeFilter) : null;
  const failed: FailureInput[] = [];
  for (const t of state.tasks.values()) {
    if (displayState(t) !== 'failed' || (shown && !shown.has(t.universe))) continue;
    const f = t.failure;
    const why = !f ? 'failed' : f.reason === 'exit' && f.exitCode !== null ? `the command exited ${f.exitCode}` : f.signal ? `killed by ${f.signal}` : f.reason.replace(/_/g, ' ');
    failed.push({ id: t.id, universe: t.universe, tail: f?.tail ?? [], fallback: why });
  }
  return groupFailures(failed);
}

export interface HistoryEta {
  etaS: number;
  /** How many recorded durations the estimate rests on. */
  runs: number;
  /** The output that most of the remaining time belongs to. */
  output: string;
  /** Tasks still to do whose output has no known duration: the estimate leaves them out. */
  unknown: number;
}

/**
 * The time a run has left, from how long each output's tasks took before (their manifests'
 * durations, in any universe, and those this run finished): the median per output for each task
 * still to do (less what a running one has already run), over how many run at once now. Null
 * when no task still to do has an output with a known duration; a lower bound (`unknown` > 0)
 * when some have none.
 */
export function etaFromHistory(state: ViewState): HistoryEta | null {
  const byOutput = new Map<string, number[]>();
  for (const t of state.tasks.values()) {
    if (t.durationS === null || t.state !== 'ok' || t.live) continue;
    const l = byOutput.get(t.output);
    if (l) l.push(t.durationS);
    else byOutput.set(t.output, [t.durationS]);
  }
  const medians = new Map([...byOutput].map(([o, l]) => [o, median(l)]));
  let left = 0;
  let runs = 0;
  let running = 0;
  let unknown = 0;
  const share = new Map<string, number>();
  for (const t of state.tasks.values()) {
    if (t.live !== 'running' && t.live !== 'queued') continue;
    if (t.live === 'running') running++;
    const m = medians.get(t.output);
    if (m === undefined) {
      unknown++;
      continue;
    }
    const ran = t.live === 'running' && t.startedAt !== undefined ? (state.now - t.startedAt) / 1000 : 0;
    const rest = Math.max(0, m - ran);
    left += rest;
    share.set(t.output, (share.get(t.output) ?? 0) + rest);
  }
  if (share.size === 0) return null;
  for (const o of share.keys()) runs += byOutput.get(o)?.length ?? 0;
  const output = [...share].sort((a, b) => b[1] - a[1])[0]?.[0] as string;
  return { etaS: left / Math.max(1, running), runs, output, unknown };
}


/** The words a finished run's counts are said in, everywhere (header, messages, plain epilog). */
export function runResultWords(f: { succeeded: number; failed: number; blocked: number; cancelled: number; skipped: number }): { n: number; word: string }[] {
  return [
    { n: f.succeeded, word: 'ok' },
    { n: f.failed, word: 'failed' },
    { n: f.blocked, word: 'blocked' },
    { n: f.cancelled, word: 'cancelled' },
    { n: f.skipped, word: 'not started' },
  ];
}

export function needsWork(state: ViewState): number {
  let n = 0;
  for (const c of state.counts.values()) n += c.total - c.ok;
  return n;
}

/**
 * The task whose log the log pane shows: the details cursor's task, else the first details
 * row, when that task is running or has failed.
 */
export function logTaskFor(state: ViewState): TaskView | undefined {
  const t = selectedTaskView(state) ?? (state.ui.selectedTask === null ? detailRows(state)[0] : undefined);
  if (!t) return undefined;
  const d = displayState(t);
  return d === 'running' || d === 'failed' || (d === 'queued' && t.failure) ? t : undefined;
}

let lastRunning: { tasks: ViewState['tasks']; byHost: Map<string, string[]> } | undefined;

/**
 * Running task ids per host, from the run's events. The workers pane falls back to this when
 * the utilisation snapshot cannot know them (an attached run executes in another process).
 */
export function runningByHost(state: ViewState): Map<string, string[]> {
  if (lastRunning && lastRunning.tasks === state.tasks) return lastRunning.byHost;
  const byHost = new Map<string, string[]>();
  for (const t of state.tasks.values()) {
    if (t.live !== 'running' || !t.host) continue;
    const list = byHost.get(t.host);
    if (list) list.push(t.id);
    else byHost.set(t.host, [t.id]);
  }
  lastRunning = { tasks: state.tasks, byHost };
  return byHost;
}

/**
 * The universes the picker lists: all of them, or those whose id contains the `/` query
 * (case-insensitive). Sweeps have thousands; scrolling to one is not a way to find it.
 */
export function pickerUniverses(state: ViewState, query: string | undefined): readonly string[] {
  if (!query) return state.universes;
  const q = query.toLowerCase();
  return state.universes.filter((u) => u.toLowerCase().includes(q));
}
