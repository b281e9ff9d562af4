/**
 * What runTasks takes and returns. The runner plans from status, runs through an Executor,
 * writes manifests and failure records, journals every event, and never prints.
 */
import type { PreflightProblem } from './preflight.js';
import type { EngineContext } from '../context.js';
import type { Task } from '../dag/task.js';
import type { ExecutorName, FailReason, PlannedTask, RunCounts } from '../events.js';
import type { Executor } from '../executors/executor.js';
import type { StatusOptions } from '../status/index.js';
import type { RunControl } from './control.js';

/** An executor, or how to make one: only created when the plan has a task to execute. */
export type ExecutorSource = Executor | { name: ExecutorName; create(): Promise<Executor> };

export interface RunOptions {
  ctx: EngineContext;
  /** Tasks asked for (targets). Default: every task of the DAG. Their upstream closure is planned too. */
  targets?: readonly Task[];
  /** Rerun the targets even when ok. */
  force?: boolean;
  /** Plan and report (plan_ready), run nothing, take no lock, write no journal. */
  dryRun?: boolean;
  /** After a failure keep running tasks that do not depend on it. */
  keepGoing?: boolean;
  executor: ExecutorSource;
  /** Stop the run from outside (signals, the TUI's stop key). */
  control?: RunControl;
  /** Take the project run lock (default true; never for dry runs). */
  lock?: boolean;
  /** Write the run journal (default true; never for dry runs or runs with nothing to do). */
  journal?: boolean;
  /** Command line recorded in the journal header. */
  argv?: string[];
  /** How often a `progress` event is emitted. Default 30 s (LIGHTCONE_PROGRESS_INTERVAL_S overrides). */
  progressIntervalMs?: number;
  /** Fingerprint external input files by content (sha256) instead of mtime+size. */
  strictInputs?: boolean;
  /** Refuse when an image the plan needs is missing instead of building or pulling it. */
  noBuild?: boolean;
  /**
   * Passed to computeStatus, so a run plans exactly as `lc status` decides (and as fast: the
   * prefetched observation cache, the hash cache for external directories, also used for
   * input snapshots).
   */
  status?: StatusOptions;
  /** Called once the run id and journal exist (the journal is null when none is written). */
  onStart?: (info: { runId: string; journalPath: string | null }) => void;
}

export interface TaskProblem {
  id: string;
  reason: FailReason;
  exitCode: number | null;
  signal: string | null;
  logPath: string;
}

export interface RunSummary extends RunCounts {
  runId: string;
  dryRun: boolean;
  plan: PlannedTask[];
  /** Considered tasks that were already ok. */
  upToDate: number;
  /** Of the succeeded: outputs taken from another member of the execution group. */
  deduplicated: number;
  wallS: number;
  cpuS: number;
  failures: TaskProblem[];
  /** True when the run was cancelled (signal or user) before it finished. */
  interrupted: boolean;
  journalPath: string | null;
  executor: ExecutorName;
  /** With dryRun: what would stop the run before its first task (preflight.ts). */
  problems?: PreflightProblem[];
}

/** 0 when everything planned succeeded; 130 after an interrupt; 1 otherwise. */
export function exitCodeOf(s: RunSummary): number {
  if (s.interrupted) return 130;
  return s.failed + s.blocked + s.cancelled + s.skipped > 0 ? 1 : 0;
}
