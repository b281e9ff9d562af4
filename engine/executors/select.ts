/**
 * Which executor a run uses. `local` is the embedded default; `dask` sends tasks to a Dask
 * scheduler (inside SLURM allocations); `auto` picks Dask only where it is clearly wanted.
 *
 * resolveExecutorKind (kind.ts) is cheap (environment only) so a run can name its executor in
 * the plan before deciding whether it needs one at all; selectExecutor creates it, loading only
 * that executor's modules (a Dask run never compiles the local executor, and vice versa).
 */
import type { EngineContext } from '../context.js';
import { LcError } from '../errors.js';
import { checkLoginNode } from '../scheduler/context.js';
import type { Executor } from './executor.js';
import { resolveExecutorKind, type ExecutorKind } from './kind.js';

export { autoWantsDask, EXECUTOR_KINDS, resolveExecutorKind, type ExecutorKind } from './kind.js';

export interface SelectOptions {
  /** Max concurrent tasks (-j). */
  jobs?: number;
  env?: NodeJS.ProcessEnv;
}

type DaskFactory = (ctx: EngineContext, opts: SelectOptions) => Promise<Executor>;

const defaultDaskFactory: DaskFactory = async (ctx, opts) =>
  (await import('./dask/executor.js')).createDaskExecutor({
    projectRoot: ctx.root,
    env: opts.env,
    jobs: opts.jobs,
  });

/** The Dask executor factory (replaceable, e.g. by tests). */
let daskFactory: DaskFactory | null = defaultDaskFactory;
export function registerDaskExecutor(factory: DaskFactory): void {
  daskFactory = factory;
}

export async function selectExecutor(
  kind: ExecutorKind,
  ctx: EngineContext,
  opts: SelectOptions = {},
): Promise<Executor> {
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
        const { INSTALL_HINT } = await import('./dask/python.js');
        throw new LcError(
          'DASK_MISSING',
          `this SLURM allocation has ${nodes} nodes and lc needs Dask to use them: ${e.message}`,
          {
            hint: `${INSTALL_HINT}; or run on this node only with --executor local`,
            context: e.context,
          },
        );
      }
      throw e;
    }
  }
  const { createLocalExecutor } = await import('./local/index.js');
  return createLocalExecutor({ jobs: opts.jobs, env: opts.env });
}
