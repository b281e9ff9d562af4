/**
 * Which scheduler an `lc` process should use, from the environment alone:
 *   external  DASK_SCHEDULER_ADDRESS is set: attach only, never start or stop anything
 *   slurm     inside an allocation (SLURM_JOB_ID): one scheduler per allocation, key
 *             `slurm-<jobid>`, shared by every project there; one worker per node via srun,
 *             and pilot jobs of the queues a run asks for (LC_QUEUE) while its tasks wait
 *   pilots    outside an allocation with queues (LC_QUEUE, `cpu` or `cpu,gpu`): one scheduler
 *             per project and first queue, here, listening where compute nodes reach it;
 *             workers come in pilot jobs of each queue
 *   local     otherwise: one scheduler per project (key = hash of its path), workers here
 */
import { join } from 'node:path';
import { LcError } from '../errors.js';
import { projectHash, scratchPaths } from '../scratch/paths.js';
import { stateFiles, type ManagedMode, type StateFiles } from './meta.js';

export type SchedulerMode = 'external' | ManagedMode;

export type SchedulerContext =
  | { mode: 'external'; key: string; address: string }
  | {
      mode: ManagedMode;
      key: string;
      files: StateFiles;
      expectedWorkers: number;
      /** Where the scheduler listens: loopback locally; in SLURM its node chooses (lc_network.py). */
      bindHost?: string;
    };

export function schedulerContext(projectRoot: string, env: NodeJS.ProcessEnv = process.env): SchedulerContext {
  const external = env.DASK_SCHEDULER_ADDRESS?.trim();
  if (external) return { mode: 'external', key: 'external', address: external };
  const root = scratchPaths(projectRoot, env).scheduler;
  const job = env.SLURM_JOB_ID?.trim();
  if (job) {
    if (!/^[A-Za-z0-9_.-]+$/.test(job)) throw new LcError('SLURM_ENV', `SLURM_JOB_ID='${job}' is not a job id`);
    const key = `slurm-${job}`;
    const nodes = Number(env.SLURM_JOB_NUM_NODES ?? env.SLURM_NNODES ?? '1');
    return {
      mode: 'slurm',
      key,
      files: stateFiles(join(root, key)),
      expectedWorkers: Number.isInteger(nodes) && nodes > 0 ? nodes : 1,
    };
  }
  const queue = firstQueue(env);
  if (queue) {
    // named by the first queue: `--queue cpu` and `--queue cpu,gpu` share a session (which then
    // also submits gpu pilots), and a one-queue session keeps the name it always had
    const key = `pilots-${projectHash(projectRoot)}-${queue}`;
    // no bindHost: the scheduler listens on this host's address that other nodes reach
    return { mode: 'pilots', key, files: stateFiles(join(root, key)), expectedWorkers: 0 };
  }
  const key = projectHash(projectRoot);
  return { mode: 'local', key, files: stateFiles(join(root, key)), expectedWorkers: 1, bindHost: '127.0.0.1' };
}

/** The queues of LC_QUEUE in order (`cpu,gpu`); empty without one. */
export function queueNames(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.LC_QUEUE ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
}

const firstQueue = (env: NodeJS.ProcessEnv): string | undefined => queueNames(env)[0];

/**
 * Lightcone's login-node guard: on Perlmutter, work outside an allocation (or an external
 * scheduler) would run on a shared login node. LIGHTCONE_ALLOW_LOGIN_NODE overrides.
 */
export function checkLoginNode(env: NodeJS.ProcessEnv = process.env): void {
  if (env.NERSC_HOST !== 'perlmutter') return;
  // with a queue only the pilot jobs compute; the login node runs lc and the scheduler
  if (env.SLURM_JOB_ID || env.DASK_SCHEDULER_ADDRESS || env.LC_QUEUE || env.LIGHTCONE_ALLOW_LOGIN_NODE) return;
  throw new LcError(
    'LOGIN_NODE',
    'refusing to run on a Perlmutter login node (no SLURM allocation, no DASK_SCHEDULER_ADDRESS)',
    {
      hint: 'compute in pilot jobs of a queue (lc run --queue Q, queues: in .lightcone/lightcone.yaml), or get an allocation first: salloc -N 1 -C gpu -q interactive -t 1:00:00 -A <account>  (or set LIGHTCONE_ALLOW_LOGIN_NODE=1 to override)',
    },
  );
}
