/**
 * The TUI's view state: everything the screen shows, folded from status snapshots, runner
 * events, utilisation snapshots and key presses by the reducer in ./reducer.ts. Pure data: no
 * React, no I/O. Components never read the engine directly, only a FrameModel built from this.
 */
import type { ExecutorName, RunCounts } from '../../../engine/events.js';
import type { NodeUtilisation } from '../../../engine/executors/executor.js';
import type { OutputType } from '../../../engine/astra/model.js';
import type { StaleReason, TaskState } from '../../../engine/status/types.js';
import type { TaskTable } from './task-table.js';

import type { LiveState } from '../../style/states.js';

export type { DisplayState, LiveState } from '../../style/states.js';

export interface TaskFailureView {
  reason: string;
  exitCode: number | null;
  signal: string | null;
  logPath: string;
  /** Last lines of the log, when the runner sent them. */
  tail: string[];
}

export interface TaskView {
  id: string;
  universe: string;
  output: string;
  state: TaskState;
  live?: LiveState;
  reasons: StaleReason[];
  durationS: number | null;
  host: string | null;
  /** Epoch ms when the current attempt started (running only). */
  startedAt?: number;
  /** Log of the current or last attempt. */
  logPath?: string;
  failure?: TaskFailureView;
  /** Set when the task is upstream-blocked in the current run. */
  blockedBy?: string;
}

/** One output (qualified id) of the DAG, as the outputs pane lists it. */
export interface OutputInfo {
  qid: string;
  type: OutputType;
  /** Longest path from a source output, 0 for outputs with no upstream output. */
  layer: number;
  /** Qids of upstream outputs, for the details header. */
  needs: string[];
}

/** Per-output counts across the filtered universes. `stale` includes modified and unreadable. */
export interface OutputCounts {
  total: number;
  ok: number;
  stale: number;
  missing: number;
  running: number;
  queued: number;
  failed: number;
  blocked: number;
}

export const emptyOutputCounts = (): OutputCounts => ({
  total: 0,
  ok: 0,
  stale: 0,
  missing: 0,
  running: 0,
  queued: 0,
  failed: 0,
  blocked: 0,
});

/** How far a run has got with one output. */
export interface OutputRunProgress {
  planned: number;
  done: number;
}

export interface RunHolder {
  pid: number;
  host: string;
  startedAt: string;
}

export type RunPhase = 'idle' | 'starting' | 'running' | 'cancelling' | 'finished';

export interface RunView {
  phase: RunPhase;
  /** `self`: started from this TUI; `attached`: another `lc run` that holds the project lock. */
  owner: 'self' | 'attached';
  holder?: RunHolder;
  runId?: string;
  executor?: ExecutorName;
  dryRun: boolean;
  planned: number;
  upToDate: number;
  done: number;
  running: number;
  pending: number;
  failed: number;
  /** Epoch ms of plan_ready; elapsed time ticks from it. */
  startedAt?: number;
  elapsedS: number;
  etaS: number | null;
  finished?: RunCounts & { wallS: number; at: number };
  /** Before the plan: the image being built or pulled, and the runtime's last line. */
  image?: { container: string; work: 'build' | 'pull'; since: number; line?: string };
}

export const idleRun = (): RunView => ({
  phase: 'idle',
  owner: 'self',
  dryRun: false,
  planned: 0,
  upToDate: 0,
  done: 0,
  running: 0,
  pending: 0,
  failed: 0,
  elapsedS: 0,
  etaS: null,
});

/** Pilot jobs of a queue's session (engine/scheduler/pilots.ts): all its queues' (`queue`: their names, comma-separated). */
export interface PilotsView {
  queue: string;
  maxJobs: number;
  jobs: { id: string; queue?: string; state?: string; reason?: string; nodes?: string; timeLeft?: string }[];
  refused?: string;
}

/** The session scheduler as the header shows it. */
export type SchedulerView =
  | { state: 'none' }
  | { state: 'starting' }
  | {
      state: 'running';
      address: string;
      workers: number;
      /** Epoch ms. */
      startedAt?: number;
      /** Epoch ms when the idle timeout would shut it down, if known. */
      idleDeadline?: number;
      /** True when it was not started by lc (DASK_SCHEDULER_ADDRESS): lc never stops it. */
      external: boolean;
      /** A queue's session: its pilot jobs as squeue last said. */
      pilots?: PilotsView;
    }
  | { state: 'stopping' };

export type Pane = 'outputs' | 'details' | 'workers';
export const PANES: readonly Pane[] = ['outputs', 'details', 'workers'];

export type ConfirmKind = 'force' | 'stop_scheduler' | 'quit';

export interface ConfirmView {
  kind: ConfirmKind;
  question: string;
}

/** A log shown in the log pane (tail) or in the full-screen viewer. */
export interface LogView {
  taskId: string;
  path: string;
  lines: string[];
  /** Lines cut from the start because the file was large. */
  truncatedLines: number;
  /** Full viewer only: index of the first line shown; null = follow the end. */
  scroll: number | null;
}

/** The map's universe order: by id, or the least advanced (failed, blocked, then fewest ok) first. */
import type { OutputValue } from '../../../engine/results/read-output.js';

export type MapSort = 'name' | 'progress';

export type Overlay =
  | { kind: 'none' }
  | { kind: 'help' }
  | { kind: 'log' }
  /** Failures grouped by cause (engine/status/failure-groups.ts); the cursor is on a group. */
  | { kind: 'failures'; cursor: number }
  /** A metric output's values across universes (its specification curve); the cursor is a rank. */
  | { kind: 'results'; cursor: number; metric: string | null }
  /** Outputs x universes as a grid of state cells; the cursor is on one cell. */
  | { kind: 'map'; row: number; col: number; sort: MapSort }
  | {
      kind: 'universes';
      /** Index into the universes the query shows. */
      cursor: number;
      picked: string[];
      /** `/` search: only universes whose id contains it (case-insensitive) are listed. */
      query?: string;
      /** True while the query is being typed. */
      typing?: boolean;
    };

export interface Message {
  text: string;
  level: 'info' | 'warn' | 'error';
  /** Epoch ms; messages fade after a few seconds. */
  at: number;
}

export interface UiState {
  focus: Pane;
  /** Selected output qid (stable when filters reorder the list). */
  selectedOutput: string | null;
  /** Selected task in the details pane. */
  selectedTask: string | null;
  /** Task whose details row is expanded (all reasons, failure, log path). */
  expandedTask: string | null;
  /** `/` filter on output names. */
  nameFilter: string;
  /** True while typing the filter. */
  filterEditing: boolean;
  workerCursor: number;
  overlay: Overlay;
  confirm: ConfirmView | null;
  message: Message | null;
  /** Ctrl-C presses since the last other key (second one quits). */
  interrupts: number;
  cols: number;
  rows: number;
}

/** Recent load of one node, one sample per utilisation snapshot (about one a second). */
export interface NodeHistory {
  /** CPU, 0-100. */
  cpu: number[];
  /** Memory in use, 0-100 of the node's. */
  mem: number[];
}

export interface ViewState {
  projectName: string;
  /** All universe ids of the project, sorted. */
  universes: string[];
  /** Longest universe id and task id (columns are sized from these, not from the rows shown). */
  longestUniverse: number;
  longestTaskId: number;
  /** Universes shown and acted on; empty = all. */
  universeFilter: string[];
  outputs: OutputInfo[];
  tasks: TaskTable;
  /** Task ids per output qid, in universe order. */
  tasksByOutput: ReadonlyMap<string, readonly string[]>;
  /** Counts per output over the filtered universes. */
  counts: ReadonlyMap<string, OutputCounts>;
  runProgress: ReadonlyMap<string, OutputRunProgress>;
  run: RunView;
  executor: ExecutorName;
  scheduler: SchedulerView;
  workers: NodeUtilisation[];
  /** Per node (host): its last utilisation samples, oldest first (WORKERS draws them as sparklines). */
  workerHistory: ReadonlyMap<string, NodeHistory>;
  /** The values of the metric output the results view shows (read by the controller), or null. */
  results: { output: string; values: OutputValue[] } | null;
  /** Why the spec on disk does not load (one line per problem), while the last good one is shown. */
  specProblem: string[] | null;
  /** Tail of the selected task's log (log pane) or the full log (viewer). */
  log: LogView | null;
  /** False until the first status snapshot arrived. */
  statusLoaded: boolean;
  /** Clock used for elapsed/uptime (epoch ms); ticks once a second. */
  now: number;
  ui: UiState;
}
