/**
 * Which queue, if any, a command outside an allocation computes in: `--queue`, else LC_QUEUE,
 * else `scheduler.queue` from the settings files. Its name goes into LC_QUEUE, which the rest of
 * lc reads (executor choice, session key, login-node check), and which recipes see as part of
 * lc's environment. Inside an allocation its nodes are used; a queue there is refused for now.
 */
import { LcError } from '../errors.js';
import { queueNamed, readQueueSettings } from './config.js';

export function selectQueue(projectRoot: string, flag: string | undefined, env: NodeJS.ProcessEnv = process.env, command = 'lc run'): string | undefined {
  const asked = flag ?? (env.LC_QUEUE?.trim() || undefined);
  if (env.SLURM_JOB_ID) {
    if (asked !== undefined)
      throw new LcError('USAGE', `${command}: --queue inside a SLURM allocation is not supported yet: the allocation's nodes are used`, {
        hint: 'run from outside the allocation to compute in pilot jobs, or drop --queue (and LC_QUEUE)',
      });
    return undefined;
  }
  if (env.DASK_SCHEDULER_ADDRESS) return undefined;
  const settings = readQueueSettings(projectRoot, env);
  const name = asked ?? settings.defaultQueue;
  if (name === undefined) return undefined;
  queueNamed(settings, name, flag !== undefined ? `${command} --queue` : asked !== undefined ? 'LC_QUEUE' : 'scheduler.queue');
  env.LC_QUEUE = name;
  return name;
}
