/**
 * The TUI store's reducer: (state, action) -> new state, never mutating its input. Runner
 * events arrive in batches so a 5,000-task sweep copies the task map once per frame, not once
 * per event.
 */
import { assertNever } from '../../../engine/errors.js';
import type { RunEvent } from '../../../engine/events.js';
import type { NodeUtilisation } from '../../../engine/executors/executor.js';
import type { TaskStatus } from '../../../engine/status/types.js';
import type { MonitorAction, ProjectShape } from './actions.js';
import { logViewportRows } from './layout.js';
import { TaskTable } from './task-table.js';
import { countKey, detailRows, displayState, pickerUniverses, runActive, visibleOutputs } from './selectors.js';
import {
  PANES,
  emptyOutputCounts,
  idleRun,
  type NodeHistory,
  type OutputCounts,
  type OutputRunProgress,
  type TaskView,
  type UiState,
  type ViewState,
} from './types.js';

export interface InitialOptions {
  cols: number;
  rows: number;
  now: number;
  universeFilter?: string[];
  executor?: 'local' | 'dask';
}

export function initialState(o: InitialOptions): ViewState {
  return {
    projectName: '',
    universes: [],
    longestUniverse: 0,
    longestTaskId: 0,
    universeFilter: o.universeFilter ?? [],
    outputs: [],
    tasks: TaskTable.empty(),
    tasksByOutput: new Map(),
    counts: new Map(),
    runProgress: new Map(),
    run: idleRun(),
    executor: o.executor ?? 'local',
    scheduler: { state: 'none' },
    workers: [],
    workerHistory: new Map(),
    specProblem: null,
    results: null,
    log: null,
    statusLoaded: false,
    now: o.now,
    ui: {
      focus: 'outputs',
      selectedOutput: null,
      selectedTask: null,
      expandedTask: null,
      nameFilter: '',
      filterEditing: false,
      workerCursor: 0,
      overlay: { kind: 'none' },
      confirm: null,
      message: null,
      interrupts: 0,
      cols: o.cols,
      rows: o.rows,
    },
  };
}

/** Log lines loaded for the full-screen viewer; older lines stay in the file. */
export const LOG_LINES_KEPT = 5000;

/** Actions the user's keys cause; reduce() handles the engine's facts itself. */
type UiAction = Exclude<
  MonitorAction,
  {
    type:
      | 'project'
      | 'status'
      | 'run_events'
      | 'run_starting'
      | 'run_aborted'
      | 'attach'
      | 'detach'
      | 'utilisation'
      | 'scheduler'
      | 'executor'
      | 'tick'
      | 'resize'
      | 'log'
      | 'message'
      | 'spec_problem'
      | 'results';
  }
>;

export function reduce(state: ViewState, action: MonitorAction): ViewState {
  switch (action.type) {
    case 'project':
      return withProject(state, action.shape);
    case 'status':
      return withStatus(state, action.statuses);
    case 'run_events':
      return action.events.length === 0 ? state : applyRunEvents(state, action.events);
    case 'run_starting':
      return { ...state, run: { ...idleRun(), phase: 'starting' }, runProgress: new Map() };
    case 'run_aborted':
      return message({ ...state, run: { ...state.run, phase: 'idle' } }, action.text, 'error');
    case 'attach':
      return { ...state, run: { ...idleRun(), phase: 'starting', owner: 'attached', holder: action.holder }, runProgress: new Map() };
    case 'detach': {
      const { holder: _h, ...rest } = state.run;
      return { ...state, run: { ...rest, owner: 'self', phase: runActive(state) ? 'idle' : state.run.phase } };
    }
    case 'utilisation':
      return {
        ...state,
        workers: [...action.nodes],
        workerHistory: withSamples(state.workerHistory, action.nodes),
        ui: { ...state.ui, workerCursor: clamp(state.ui.workerCursor, 0, Math.max(0, action.nodes.length - 1)) },
      };
    case 'scheduler':
      return { ...state, scheduler: action.scheduler };
    case 'executor':
      return { ...state, executor: action.executor };
    case 'tick':
      return action.now === state.now ? state : { ...state, now: action.now };
    case 'resize':
      return ui(state, { cols: action.cols, rows: action.rows });
    case 'log':
      return { ...state, log: action.log };
    case 'message':
      return message(state, action.text, action.level ?? 'info');
    case 'spec_problem':
      return { ...state, specProblem: action.lines };
    case 'results':
      return { ...state, results: action.results };
    default:
      return reduceUi(state, action);
  }
}

/** Fold many actions (tests, journal replay). */
export const reduceAll = (state: ViewState, actions: readonly MonitorAction[]): ViewState => actions.reduce(reduce, state);

function ui(state: ViewState, patch: Partial<UiState>): ViewState {
  return { ...state, ui: { ...state.ui, ...patch } };
}

function message(state: ViewState, text: string, level: 'info' | 'warn' | 'error'): ViewState {
  return ui(state, { message: { text, level, at: state.now } });
}

const clamp = (v: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, v));

// ---------------------------------------------------------------------------------------------
// Engine facts

function withProject(state: ViewState, shape: ProjectShape): ViewState {
  const views: TaskView[] = [];
  const byOutput = new Map<string, string[]>();
  for (const o of shape.outputs) byOutput.set(o.qid, []);
  for (const t of shape.tasks) {
    const prev = state.tasks.get(t.id);
    views.push(prev ?? { id: t.id, universe: t.universe, output: t.output, state: 'missing', reasons: [], durationS: null, host: null });
    byOutput.get(t.output)?.push(t.id);
  }
  const tasks = TaskTable.from(views);
  const known = new Set(shape.universes);
  const universeFilter = state.universeFilter.filter((u) => known.has(u));
  const next: ViewState = {
    ...state,
    projectName: shape.name,
    universes: [...shape.universes],
    longestUniverse: shape.universes.reduce((m, u) => Math.max(m, u.length), 0),
    longestTaskId: shape.tasks.reduce((m, t) => Math.max(m, t.id.length), 0),
    universeFilter,
    outputs: shape.outputs,
    tasks,
    tasksByOutput: byOutput,
  };
  const sel = next.ui.selectedOutput;
  const selKnown = sel !== null && byOutput.has(sel);
  return { ...next, counts: computeCounts(next), ui: selKnown ? next.ui : { ...next.ui, selectedOutput: null, selectedTask: null } };
}

function withStatus(state: ViewState, statuses: readonly TaskStatus[]): ViewState {
  const tasks = state.tasks.edit();
  const keepLive = runActive(state);
  for (const s of statuses) {
    const prev = tasks.get(s.id);
    if (!prev) continue;
    const next: TaskView = {
      id: prev.id,
      universe: prev.universe,
      output: prev.output,
      state: s.state,
      reasons: s.reasons,
      durationS: s.durationS ?? (s.state === 'failed' ? prev.durationS : null),
      host: s.host ?? prev.host,
    };
    if (keepLive && prev.live) next.live = prev.live;
    if (keepLive && prev.startedAt !== undefined) next.startedAt = prev.startedAt;
    const logPath = s.failure?.logPath ?? prev.logPath;
    if (logPath !== undefined) next.logPath = logPath;
    if (s.failure) {
      next.failure = {
        reason: s.failure.reason,
        exitCode: s.failure.exitCode,
        signal: s.failure.signal,
        logPath: s.failure.logPath,
        tail: prev.failure?.tail ?? [],
      };
    }
    tasks.set(next);
  }
  const next = { ...state, tasks: tasks.commit(), statusLoaded: true };
  return { ...next, counts: computeCounts(next) };
}

/** Full recount over the filtered universes (project, status, filter changes). */
export function computeCounts(state: Pick<ViewState, 'tasks' | 'tasksByOutput' | 'universeFilter'>): Map<string, OutputCounts> {
  const filter = state.universeFilter.length > 0 ? new Set(state.universeFilter) : null;
  const counts = new Map<string, OutputCounts>();
  for (const [qid, ids] of state.tasksByOutput) {
    const c = emptyOutputCounts();
    for (const id of ids) {
      const t = state.tasks.get(id);
      if (!t || (filter && !filter.has(t.universe))) continue;
      c.total++;
      c[countKey(displayState(t))]++;
    }
    counts.set(qid, c);
  }
  return counts;
}

/** One batch of runner events: copies the maps once, then edits the copies. */
function applyRunEvents(state: ViewState, events: readonly RunEvent[]): ViewState {
  const tasks = state.tasks.edit();
  const counts = new Map(state.counts);
  const touched = new Set<string>();
  let progress = new Map(state.runProgress);
  let run = { ...state.run };
  const filter = state.universeFilter.length > 0 ? new Set(state.universeFilter) : null;

  const setTask = (next: TaskView): void => {
    const prev = tasks.get(next.id);
    tasks.set(next);
    if (!prev || (filter && !filter.has(next.universe))) return;
    const before = countKey(displayState(prev));
    const after = countKey(displayState(next));
    if (before === after) return;
    let c = counts.get(next.output);
    if (!c) return;
    if (!touched.has(next.output)) {
      c = { ...c };
      counts.set(next.output, c);
      touched.add(next.output);
    }
    c[before]--;
    c[after]++;
  };
  const bumpDone = (output: string): void => {
    const p = progress.get(output);
    if (p) progress.set(output, { planned: p.planned, done: Math.min(p.planned, p.done + 1) });
  };
  const endAttempt = (t: TaskView): TaskView => {
    const { live: _l, startedAt: _s, blockedBy: _b, ...rest } = t;
    return rest;
  };

  for (const ev of events) {
    const t = 'id' in ev ? tasks.get(ev.id) : undefined;
    switch (ev.type) {
      case 'plan_ready': {
        progress = new Map<string, OutputRunProgress>();
        run = {
          ...run,
          phase: ev.dryRun ? run.phase : 'running',
          runId: ev.runId,
          executor: ev.executor,
          dryRun: ev.dryRun,
          planned: ev.tasks.length,
          upToDate: ev.upToDate,
          done: 0,
          running: 0,
          pending: ev.tasks.length,
          failed: 0,
          startedAt: ev.t,
          elapsedS: 0,
          etaS: null,
        };
        delete run.finished;
        delete run.image;
        if (ev.dryRun) break;
        for (const p of ev.tasks) {
          const pt = tasks.get(p.id);
          if (!pt) continue;
          const prog = progress.get(pt.output) ?? { planned: 0, done: 0 };
          progress.set(pt.output, { planned: prog.planned + 1, done: 0 });
          const { blockedBy: _b, ...rest } = pt;
          setTask({ ...rest, live: 'queued', reasons: p.reasons.length > 0 ? p.reasons : pt.reasons });
        }
        break;
      }
      case 'image_preparing':
        run = { ...run, image: { container: ev.container, work: ev.work, since: ev.t } };
        break;
      case 'image_output':
        if (run.image) run = { ...run, image: { ...run.image, line: ev.line } };
        break;
      case 'image_ready': {
        const { image: _i, ...rest } = run;
        run = rest;
        break;
      }
      case 'task_queued':
        if (t && t.live !== 'running') setTask({ ...t, live: 'queued' });
        break;
      case 'task_started':
        if (t) setTask({ ...t, live: 'running', startedAt: ev.t, host: ev.host, logPath: ev.logPath });
        break;
      case 'task_restarted':
        if (t) setTask({ ...t, live: 'running', startedAt: ev.t, host: ev.host });
        break;
      case 'task_output':
        // Log panes re-read the task's log file (src/tui), which also works for attached runs
        // and never duplicates lines; output events are not folded into the view.
        break;
      case 'task_succeeded':
        if (t) {
          const { failure: _f, ...rest } = endAttempt(t);
          setTask({ ...rest, state: 'ok', reasons: [], durationS: ev.durationS });
          bumpDone(t.output);
        }
        break;
      case 'task_failed':
        if (t) {
          bumpDone(t.output);
          if (ev.reason === 'cancelled') {
            setTask(endAttempt(t));
            break;
          }
          setTask({
            ...endAttempt(t),
            state: 'failed',
            durationS: ev.durationS,
            logPath: ev.logPath,
            failure: { reason: ev.reason, exitCode: ev.exitCode, signal: ev.signal, logPath: ev.logPath, tail: ev.tail.slice(-20) },
          });
        }
        break;
      case 'task_blocked':
        if (t) {
          setTask({ ...endAttempt(t), live: 'blocked', blockedBy: ev.blockedBy });
          bumpDone(t.output);
        }
        break;
      case 'task_skipped':
        if (t) {
          setTask(endAttempt(t));
          bumpDone(t.output);
        }
        break;
      case 'progress':
        run = { ...run, done: ev.done, running: ev.running, pending: ev.pending, failed: ev.failed, elapsedS: ev.elapsedS, etaS: ev.etaS };
        break;
      case 'run_cancelling':
        if (run.phase !== 'finished') run = { ...run, phase: 'cancelling' };
        break;
      case 'run_finished':
        run = {
          ...run,
          phase: 'finished',
          running: 0,
          pending: 0,
          etaS: 0,
          elapsedS: ev.wallS,
          finished: {
            succeeded: ev.succeeded,
            failed: ev.failed,
            blocked: ev.blocked,
            cancelled: ev.cancelled,
            skipped: ev.skipped,
            wallS: ev.wallS,
            at: ev.t,
          },
        };
        // Queued tasks that never started went back to what their status says.
        for (const task of tasks.values()) {
          if (task.live === 'queued' || task.live === 'running') setTask(endAttempt(task));
        }
        break;
      default:
        assertNever(ev);
    }
  }

  return { ...state, tasks: tasks.commit(), counts, runProgress: progress, run };
}

// ---------------------------------------------------------------------------------------------
// User intent

function reduceUi(state: ViewState, action: UiAction): ViewState {
  const u = state.ui;
  switch (action.type) {
    case 'select_output':
      return ui(state, { selectedOutput: action.qid, selectedTask: null, expandedTask: null });
    case 'move':
      return move(state, action.delta);
    case 'move_to':
      return move(state, action.where === 'first' ? -Infinity : Infinity);
    case 'focus':
      return ui(state, { focus: action.pane });
    case 'focus_next': {
      const i = PANES.indexOf(u.focus);
      return ui(state, { focus: PANES[(i + action.delta + PANES.length) % PANES.length] ?? 'outputs' });
    }
    case 'toggle_expand': {
      if (u.focus === 'outputs') {
        const first = visibleOutputs(state)[0];
        const selectedOutput = u.selectedOutput ?? first?.qid ?? null;
        return ui(state, { focus: 'details', selectedOutput, selectedTask: u.selectedOutput === null ? null : u.selectedTask });
      }
      if (u.focus === 'details') {
        const id = u.selectedTask ?? detailRows(state)[0]?.id ?? null;
        return ui(state, { selectedTask: id, expandedTask: u.expandedTask === id ? null : id });
      }
      return state;
    }
    case 'filter_begin':
      return ui(state, { filterEditing: true, focus: 'outputs' });
    case 'filter_text':
      return keepSelectionVisible(ui(state, { nameFilter: action.text }));
    case 'filter_end':
      return keepSelectionVisible(ui(state, { filterEditing: false, nameFilter: action.keep ? u.nameFilter : '' }));
    case 'overlay':
      return ui(state, { overlay: action.overlay });
    case 'universe_cursor': {
      if (u.overlay.kind !== 'universes') return state;
      const shown = pickerUniverses(state, u.overlay.query);
      const cursor = clamp(u.overlay.cursor + action.delta, 0, Math.max(0, shown.length - 1));
      return ui(state, { overlay: { ...u.overlay, cursor } });
    }
    case 'universe_toggle': {
      if (u.overlay.kind !== 'universes') return state;
      const id = pickerUniverses(state, u.overlay.query)[u.overlay.cursor];
      if (id === undefined) return state;
      const has = u.overlay.picked.includes(id);
      const picked = has ? u.overlay.picked.filter((x) => x !== id) : [...u.overlay.picked, id];
      return ui(state, { overlay: { ...u.overlay, picked } });
    }
    case 'universe_toggle_all': {
      // Acts on the universes listed: with a query, picks (or unpicks) just the matches.
      if (u.overlay.kind !== 'universes') return state;
      const shown = pickerUniverses(state, u.overlay.query);
      const picked = new Set(u.overlay.picked);
      const all = shown.every((x) => picked.has(x));
      for (const x of shown) {
        if (all) picked.delete(x);
        else picked.add(x);
      }
      return ui(state, { overlay: { ...u.overlay, picked: state.universes.filter((x) => picked.has(x)) } });
    }
    case 'universe_query': {
      if (u.overlay.kind !== 'universes') return state;
      return ui(state, { overlay: { ...u.overlay, query: action.text, typing: action.typing, cursor: 0 } });
    }
    case 'universe_apply': {
      if (u.overlay.kind !== 'universes') return state;
      const picked = u.overlay.picked;
      if (picked.length === 0) return message(state, 'pick at least one universe (space toggles, a toggles all)', 'warn');
      const universeFilter = picked.length === state.universes.length ? [] : state.universes.filter((x) => picked.includes(x));
      const next = { ...state, universeFilter };
      return { ...next, counts: computeCounts(next), ui: { ...u, overlay: { kind: 'none' }, selectedTask: null, expandedTask: null } };
    }
    case 'confirm':
      return ui(state, { confirm: action.confirm });
    case 'log_scroll':
    case 'log_scroll_to':
      return scrollLog(state, action);
    case 'interrupt':
      return ui(state, { interrupts: u.interrupts + 1 });
    case 'interrupt_reset':
      return u.interrupts === 0 ? state : ui(state, { interrupts: 0 });
    default:
      return assertNever(action);
  }
}

function keepSelectionVisible(state: ViewState): ViewState {
  const sel = state.ui.selectedOutput;
  if (sel === null || visibleOutputs(state).some((o) => o.qid === sel)) return state;
  return ui(state, { selectedOutput: null, selectedTask: null, expandedTask: null });
}

function move(state: ViewState, delta: number): ViewState {
  const u = state.ui;
  if (u.focus === 'outputs') {
    const list = visibleOutputs(state);
    if (list.length === 0) return state;
    const idx = list.findIndex((o) => o.qid === u.selectedOutput);
    const from = idx < 0 ? (delta > 0 ? -1 : list.length) : idx;
    const to = clamp(from + delta, 0, list.length - 1);
    const qid = list[to]?.qid ?? null;
    if (qid === u.selectedOutput) return state;
    return ui(state, { selectedOutput: qid, selectedTask: null, expandedTask: null });
  }
  if (u.focus === 'details') {
    const rows = detailRows(state);
    if (rows.length === 0) return state;
    const idx = Math.max(0, rows.findIndex((r) => r.id === u.selectedTask));
    const to = clamp(idx + delta, 0, rows.length - 1);
    return ui(state, { selectedTask: rows[to]?.id ?? null });
  }
  return ui(state, { workerCursor: clamp(u.workerCursor + delta, 0, Math.max(0, state.workers.length - 1)) });
}

function scrollLog(state: ViewState, action: Extract<MonitorAction, { type: 'log_scroll' | 'log_scroll_to' }>): ViewState {
  const log = state.log;
  if (!log) return state;
  const view = logViewportRows(state.ui.rows);
  const maxStart = Math.max(0, log.lines.length - view);
  let scroll: number | null;
  if (action.type === 'log_scroll_to') scroll = action.where === 'top' ? 0 : null;
  else {
    const from = log.scroll ?? maxStart;
    const to = clamp(from + action.delta, 0, maxStart);
    scroll = to >= maxStart ? null : to;
  }
  return scroll === log.scroll ? state : { ...state, log: { ...log, scroll } };
}

/** Samples kept per node: three minutes at one snapshot a second. */
export const HISTORY_SAMPLES = 180;

/** The nodes' histories with this snapshot added (nodes that left are forgotten). */
function withSamples(prev: ReadonlyMap<string, NodeHistory>, nodes: readonly NodeUtilisation[]): Map<string, NodeHistory> {
  const next = new Map<string, NodeHistory>();
  const add = (l: number[] | undefined, v: number) => [...(l ?? []).slice(-(HISTORY_SAMPLES - 1)), v];
  for (const n of nodes) {
    const h = prev.get(n.host);
    const mem = n.memoryTotalBytes > 0 ? (100 * n.memoryUsedBytes) / n.memoryTotalBytes : 0;
    next.set(n.host, { cpu: add(h?.cpu, n.cpuPercent), mem: add(h?.mem, mem) });
  }
  return next;
}
