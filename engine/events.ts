/**
 * Everything the runner reports, as one typed union. The runner never prints: the plain and
 * JSON renderers, the TUI store and the run journal all subscribe to these events.
 *
 * Times are epoch milliseconds (`t`); renderers format them.
 */
import type { Resources } from './astra/model.js';
import type { StaleReason, TaskState } from './status/types.js';

export type ExecutorName = 'local' | 'dask';

/** How an execution ended, as an executor reports it (engine/executors/executor.ts). */
export const EXEC_END_REASONS = ['exit', 'signal', 'time_limit', 'cancelled', 'spawn_error', 'does_not_fit'] as const;
export type ExecEndReason = (typeof EXEC_END_REASONS)[number];

/**
 * Why a task failed: how its execution ended, or what the runner could not do around it
 * (record its manifest, take a deduplicated leader's outputs, anything unexpected).
 */
export const FAIL_REASONS = [...EXEC_END_REASONS, 'manifest_error', 'dedup_error', 'internal_error'] as const;
export type FailReason = (typeof FAIL_REASONS)[number];

/** What a run did with the tasks it planned; one declaration for the event, summary and TUI. */
export interface RunCounts {
  succeeded: number;
  failed: number;
  blocked: number;
  cancelled: number;
  skipped: number;
}

export interface PlannedTask {
  id: string;
  reasons: StaleReason[];
  /** Set when this task will receive its outputs from the leader of its execution group. */
  dedupFrom?: string;
  /** The task's status when planned (`ok` only when forced). */
  state?: TaskState;
  /** True when the task runs because of --force, not because it is out of date. */
  forced?: boolean;
}

export type RunEvent =
  /**
   * Before the plan: an image of the plan is being built or pulled (images already there say
   * nothing), each line the runtime prints, and the image it ended with.
   */
  | { type: 'image_preparing'; t: number; container: string; runtime: string; work: 'build' | 'pull'; image: string }
  | { type: 'image_output'; t: number; container: string; line: string }
  | { type: 'image_ready'; t: number; container: string; image: string; imageId: string | null; action: 'built' | 'pulled'; durationS: number }
  | {
      type: 'plan_ready';
      t: number;
      runId: string;
      tasks: PlannedTask[];
      /** Tasks selected but already ok (not run). */
      upToDate: number;
      executor: ExecutorName;
      dryRun: boolean;
    }
  | { type: 'task_queued'; t: number; id: string }
  | {
      type: 'task_started';
      t: number;
      id: string;
      attempt: number;
      host: string;
      executor: ExecutorName;
      resources: Resources;
      logPath: string;
      /** Process group id of the task's shell (local executor), so a crashed run's orphans can be found. */
      pid?: number;
    }
  | { type: 'task_output'; t: number; id: string; stream: 'stdout' | 'stderr'; line: string }
  /** A running task started again on another host: the worker it ran on was lost (Dask re-runs it). */
  | { type: 'task_restarted'; t: number; id: string; host: string; why: string }
  | {
      type: 'task_succeeded';
      t: number;
      id: string;
      durationS: number;
      dataVersion: string;
      warnings: string[];
      /** Set when the outputs were hardlinked/copied from the group leader instead of computed. */
      dedupFrom?: string;
    }
  | {
      type: 'task_failed';
      t: number;
      id: string;
      durationS: number;
      exitCode: number | null;
      signal: string | null;
      reason: FailReason;
      logPath: string;
      /** Last lines of the log (at most 20). */
      tail: string[];
    }
  | { type: 'task_blocked'; t: number; id: string; blockedBy: string }
  /**
   * A planned task that will not run in this run and did not fail: the run stopped scheduling
   * (after a failure without --keep-going, or on cancel) before it started. Counted as `skipped`.
   */
  | { type: 'task_skipped'; t: number; id: string; reason: 'stopped' | 'cancelled' }
  | {
      type: 'progress';
      t: number;
      done: number;
      running: number;
      pending: number;
      failed: number;
      elapsedS: number;
      etaS: number | null;
    }
  /**
   * The run stops scheduling: a signal (Ctrl-C), the user (TUI), a failure without --keep-going,
   * or the session scheduler being stopped under it (`detail` says by whom or why), or failing
   * under it (`scheduler_failed`: it could not go on, e.g. sbatch refused its pilots).
   */
  | { type: 'run_cancelling'; t: number; reason: 'signal' | 'user' | 'failure' | 'scheduler' | 'scheduler_failed'; detail?: string }
  | ({
      type: 'run_finished';
      t: number;
      runId: string;
      wallS: number;
      cpuS: number;
    } & RunCounts);

export type RunEventType = RunEvent['type'];

export type RunEventListener = (event: RunEvent) => void;
