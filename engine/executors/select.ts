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
import { checkLoginNode } from '../scheduler/context.js';
import { createDaskExecutor } from './dask/executor.js';
import { INSTALL_HINT } from './dask/python.js';
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
 * `auto` rules (issue 5): an explicit scheduler address (DASK_SCHEDULER_ADDRESS) means Dask; so
 * does being inside a SLURM allocation (SLURM_JOB_ID): the session scheduler then places
 * tasks on every allocated node. Everything else runs locally.
 */
export function autoWantsDask(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.DASK_SCHEDULER_ADDRESS) return true;
  return Boolean(env.SLURM_JOB_ID);
}

type DaskFactory = (ctx: EngineContext, opts: SelectOptions) => Promise<Executor>;

const defaultDaskFactory: DaskFactory = (ctx, opts) =>
  createDaskExecutor({
    projectRoot: ctx.root,
    ...(opts.env !== undefined ? { env: opts.env } : {}),
    ...(opts.jobs !== undefined ? { jobs: opts.jobs } : {}),
  });

/** The Dask executor factory (replaceable, e.g. by tests). */
let daskFactory: DaskFactory | null = defaultDaskFactory;
export function registerDaskExecutor(factory: DaskFactory): void {
  daskFactory = factory;
}

export function resolveExecutorKind(kind: ExecutorKind, env: NodeJS.ProcessEnv = process.env): ExecutorName {
  if (kind === 'auto') return autoWantsDask(env) && daskFactory !== null ? 'dask' : 'local';
  return kind;
}

export async function selectExecutor(kind: ExecutorKind, ctx: EngineContext, opts: SelectOptions = {}): Promise<Executor> {
  const env = opts.env ?? process.env;
  const name = resolveExecutorKind(kind, env);
  if (kind !== 'local') checkLoginNode(env);
  if (name === 'dask') {
    if (!daskFactory) {
      throw new LcError('EXECUTOR_UNAVAILABLE', 'the Dask executor is not available in this build of lc', {
        hint: 'use --executor local',
      });
    }
    try {
      return await daskFactory(ctx, opts);
    } catch (e) {
      const nodes = Number(env.SLURM_JOB_NUM_NODES ?? env.SLURM_NNODES ?? '1');
      if (kind === 'auto' && e instanceof LcError && e.code === 'DASK_MISSING' && nodes > 1) {
        // never fall back to this node alone: the allocation has more
        throw new LcError('DASK_MISSING', `this SLURM allocation has ${nodes} nodes and lc needs Dask to use them: ${e.message}`, {
          hint: `${INSTALL_HINT}; or run on this node only with --executor local`,
          context: e.context,
        });
      }
      throw e;
    }
  }
  return createLocalExecutor({
    ...(opts.jobs !== undefined ? { jobs: opts.jobs } : {}),
    ...(opts.env !== undefined ? { env: opts.env } : {}),
  });
}
