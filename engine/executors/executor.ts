/**
 * The interface every executor implements (local processes, Dask). The runner owns planning,
 * logs, manifests and events; an executor only places shell commands on slots and reports
 * how they ended.
 */
import type { ExecEndReason, ExecutorName } from '../events.js';
import type { Resources } from '../astra/model.js';

export interface ExecRequest {
  /** Task id, unique within a run. */
  id: string;
  /** Shell command to run with `/bin/sh -c` (or bash). */
  command: string;
  /** Working directory (the project root). */
  cwd: string;
  env: Record<string, string>;
  resources: Resources;
  /** Absolute path of the log file that receives stdout and stderr. */
  logPath: string;
  /** Called for every complete output line (bounded: very long lines are cut). */
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
  /** Called once the command really started, with the host it runs on (and its process group id, when local). */
  onStart?: (info: { host: string; startedAt: number; pid?: number }) => void;
  /** Called when the command starts again elsewhere because the worker it ran on was lost (Dask). */
  onRestart?: (info: { host: string; startedAt: number; why: string }) => void;
  /**
   * Called once resources are reserved, immediately before the command starts; the command
   * starts only after it returns (or its promise resolves). The runner empties the output dir
   * here, so a task cancelled while queued never loses its old outputs. If it throws, the task
   * ends with reason `spawn_error` and the thrown message as detail, without starting.
   */
  prepare?: () => void | Promise<void>;
  /**
   * Called after the executor stopped the command (cancel, time limit): what killing the
   * process does not end, such as the container a runtime client started, is ended here.
   */
  afterStop?: () => void;
}

export interface ExecResult {
  id: string;
  host: string;
  startedAt: number;
  finishedAt: number;
  exitCode: number | null;
  signal: string | null;
  /** Why it ended: a plain `exit`, a `signal`, or `time_limit`, `cancelled`, `spawn_error`, `does_not_fit`. */
  reason: ExecEndReason;
  /** Human detail for spawn errors or does-not-fit. */
  detail?: string;
  /** CPU seconds used by the task's processes, when known. */
  cpuS?: number;
}

/** Capacity of one node (a machine, or one Dask worker host). */
export interface NodeCapacity {
  host: string;
  cpus: number;
  memoryBytes: number;
  gpus: number;
}

/** A point-in-time view of one node, for the TUI's workers pane. */
export interface NodeUtilisation {
  host: string;
  /** 0-100, whole node (or the worker's whole process tree under Dask). */
  cpuPercent: number;
  memoryUsedBytes: number;
  memoryTotalBytes: number;
  /** Per GPU 0-100, empty when the node has none. */
  gpuPercent: number[];
  runningTasks: string[];
  cpusInUse: number;
  cpusTotal: number;
  gpusInUse: number;
  gpusTotal: number;
}

export interface Executor {
  readonly name: ExecutorName;
  /**
   * True when submit() calls ExecRequest.prepare right before the command starts. When false or
   * absent the runner prepares (empties the output dir) itself, at submit time.
   */
  readonly callsPrepare?: boolean;
  /** Nodes and their capacity; for Dask, the registered workers. */
  capacity(): Promise<NodeCapacity[]>;
  /**
   * Run one command. Resolves when it ended, however it ended (never rejects for task
   * failures). Rejects only when the executor itself broke.
   */
  submit(req: ExecRequest): Promise<ExecResult>;
  /** Ask a running or queued task to stop (SIGTERM, then SIGKILL after a grace period). */
  cancel(id: string, opts?: { force?: boolean }): void;
  /** Utilisation snapshot, cheap enough to call every second. */
  utilisation(): Promise<NodeUtilisation[]>;
  /** Release resources (connections, bridge processes). Does not stop a session scheduler. */
  close(): Promise<void>;
  /** CPU seconds used by finished task processes since the executor was created, when known. */
  cpuSeconds?(): number;
  /**
   * Register for the executor's backend being shut down from outside (the Dask session
   * scheduler was stopped: `lc scheduler stop`, the TUI, the end of the allocation). The tasks
   * it ends then resolve as `cancelled` (never as a broken executor), and the runner stops the
   * run as for a cancel. `why` says who or what stopped it, for humans; `failed` that the backend
   * stopped because it could not go on (not because it was asked to): the run then fails rather
   * than being interrupted. Returns an unsubscribe (an executor may outlive one run).
   */
  onShutdown?(cb: (why: string, failed: boolean) => void): () => void;
}
