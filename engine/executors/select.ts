/**
 * Which executor a run uses. `local` is the embedded default; `dask` sends tasks to a Dask
 * scheduler (inside SLURM allocations); `auto` picks Dask only where it is clearly wanted.
 *
 * resolveExecutorKind is cheap (environment only) so a run can name its executor in the plan
 * before deciding whether it needs one at all; selectExecutor creates it.
 */
import type { EngineContext } from '../context.js';
import { LcError } from '../errors.js';
import type { ExecutorName } from '../events.js';
import type { Executor } from './executor.js';
import { createLocalExecutor } from './local/index.js';

export type ExecutorKind = 'local' | 'dask' | 'auto';

export const EXECUTOR_KINDS: readonly ExecutorKind[] = ['local', 'dask', 'auto'];

export interface SelectOptions {
  /** Max concurrent tasks (-j). */
  jobs?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * `auto` rules: an explicit scheduler address (DASK_SCHEDULER_ADDRESS) means Dask; so does a
 * SLURM allocation spanning more than one node (a local executor would use only this node).
 * Everything else runs locally.
 */
export function autoWantsDask(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.DASK_SCHEDULER_ADDRESS) return true;
  const nodes = Number(env.SLURM_JOB_NUM_NODES ?? env.SLURM_NNODES ?? '1');
  return Number.isFinite(nodes) && nodes > 1;
}

/** Whether a Dask executor is available in this build (the HPC module registers itself here). */
let daskFactory: ((ctx: EngineContext, opts: SelectOptions) => Promise<Executor>) | null = null;
export function registerDaskExecutor(factory: (ctx: EngineContext, opts: SelectOptions) => Promise<Executor>): void {
  daskFactory = factory;
}

export function resolveExecutorKind(kind: ExecutorKind, env: NodeJS.ProcessEnv = process.env): ExecutorName {
  if (kind === 'auto') return autoWantsDask(env) && daskFactory !== null ? 'dask' : 'local';
  return kind;
}

export async function selectExecutor(kind: ExecutorKind, ctx: EngineContext, opts: SelectOptions = {}): Promise<Executor> {
  const name = resolveExecutorKind(kind, opts.env ?? process.env);
  if (name === 'dask') {
    if (!daskFactory) {
      throw new LcError('EXECUTOR_UNAVAILABLE', 'the Dask executor is not available in this build of lc', {
        hint: 'use --executor local',
      });
    }
    return daskFactory(ctx, opts);
  }
  return createLocalExecutor({
    ...(opts.jobs !== undefined ? { jobs: opts.jobs } : {}),
    ...(opts.env !== undefined ? { env: opts.env } : {}),
  });
}
