/**
 * Task states as `lc status` reports them. Every non-ok state says why.
 */

export type TaskState = 'ok' | 'stale' | 'missing' | 'failed' | 'modified' | 'unreadable';

export const TASK_STATES: readonly TaskState[] = ['ok', 'stale', 'missing', 'failed', 'modified', 'unreadable'];

export type StaleReasonKind =
  | 'recipe'
  | 'decisions'
  | 'container'
  | 'script'
  | 'upstream'
  | 'input'
  | 'resources'
  /** Not stale reasons: the explanation carried by `modified`, `unreadable` and `failed` tasks. */
  | 'modified'
  | 'unreadable'
  | 'failed';

export interface StaleReason {
  kind: StaleReasonKind;
  /** Words a scientist understands: `script src/fit.py changed`, `upstream baseline/features re-ran`. */
  detail: string;
  /** For `script`: the project-relative file; for `upstream`: the upstream task id; for `input`: the input qid. */
  subject?: string;
}

/** The last failed attempt of a task, kept outside the output dir. */
export interface FailureInfo {
  exitCode: number | null;
  signal: string | null;
  /** ISO time. */
  at: string;
  logPath: string;
  reason: string;
}

export interface TaskStatus {
  id: string;
  universe: string;
  output: string;
  state: TaskState;
  /** Non-empty for `stale`; for `modified`, `unreadable`, `failed` it carries the explanation too. */
  reasons: StaleReason[];
  key: string;
  dataVersion: string | null;
  /** ISO time of the manifest's `finished_at`, or null. */
  finishedAt: string | null;
  durationS: number | null;
  host: string | null;
  failure?: FailureInfo;
  /** Project-relative output directory. */
  outdir?: string;
  /** Leader task id when the outputs were deduplicated from another universe's run. */
  dedupFrom?: string | null;
  /** schema_version of the manifest read, when one was read. */
  manifestSchema?: number;
  /** True facts about an ok output worth saying (it ran on the host, not in its declared container). */
  notes?: string[];
}

export type StateCounts = Record<TaskState, number>;

export const emptyCounts = (): StateCounts => ({ ok: 0, stale: 0, missing: 0, failed: 0, modified: 0, unreadable: 0 });
