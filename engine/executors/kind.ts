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

/** Where `lc run` here would run its tasks, as `lc status --json` reports it. */
export interface ExecutorHere {
  name: ExecutorName;
  /** Under Dask: which session scheduler (inside an allocation, pilot jobs of a queue, given by address). */
  scheduler: 'slurm' | 'pilots' | 'external' | null;
  queue: string | null;
}

/** From the environment (LC_QUEUE set by the caller from --queue or the settings' default). */
export function executorHere(env: NodeJS.ProcessEnv = process.env): ExecutorHere {
  const name = resolveExecutorKind('auto', env);
  if (name === 'local') return { name, scheduler: null, queue: null };
  const scheduler = env.DASK_SCHEDULER_ADDRESS ? 'external' : env.SLURM_JOB_ID ? 'slurm' : 'pilots';
  // in an allocation a queue adds pilots beyond its nodes
  return { name, scheduler, queue: scheduler !== 'external' ? env.LC_QUEUE || null : null };
}
