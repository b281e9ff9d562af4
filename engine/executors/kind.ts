/**
 * Which executor a run will use, decided from the environment alone. Kept apart from
 * select.ts (which loads the executors themselves) so a run can name its executor in the plan
 * without loading Dask wiring it may never need: a run with nothing to do stays fast.
 */
import type { ExecutorName } from '../events.js';

export type ExecutorKind = 'local' | 'dask' | 'auto';

export const EXECUTOR_KINDS: readonly ExecutorKind[] = ['local', 'dask', 'auto'];

/**
 * `auto` rules: an explicit scheduler address (DASK_SCHEDULER_ADDRESS) means Dask; so
 * does being inside a SLURM allocation (SLURM_JOB_ID): the session scheduler then places
 * tasks on every allocated node; and so does a queue (LC_QUEUE, set by `lc run --queue`): tasks
 * run in pilot jobs. Everything else runs locally.
 */
export function autoWantsDask(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.DASK_SCHEDULER_ADDRESS || env.LC_QUEUE) return true;
  return Boolean(env.SLURM_JOB_ID);
}

export function resolveExecutorKind(kind: ExecutorKind, env: NodeJS.ProcessEnv = process.env): ExecutorName {
  if (kind === 'auto') return autoWantsDask(env) ? 'dask' : 'local';
  return kind;
}
