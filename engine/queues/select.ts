/**
 * Which queues, if any, a command outside an allocation computes in: `--queue`, else LC_QUEUE,
 * else `scheduler.queue` from the settings files; one name or several (`cpu,gpu`: each task goes
 * to the first that fits it). The names go into LC_QUEUE, comma-separated, which the rest of lc
 * reads (executor choice, session key, login-node check), and which recipes see as part of lc's
 * environment. Inside an allocation its nodes are used, and a queue adds pilot jobs beyond them
 * only when asked for (`--queue` or LC_QUEUE): the settings' default queue is for login nodes.
 */
import { queuesNamed, readQueueSettings } from './config.js';

export function selectQueue(projectRoot: string, flag: string | undefined, env: NodeJS.ProcessEnv = process.env, command = 'lc run'): string[] | undefined {
  const asked = flag ?? (env.LC_QUEUE?.trim() || undefined);
  if (env.DASK_SCHEDULER_ADDRESS) return undefined;
  const inAllocation = Boolean(env.SLURM_JOB_ID);
  if (inAllocation && asked === undefined) return undefined;
  const settings = readQueueSettings(projectRoot, env);
  const text = asked ?? settings.defaultQueues?.join(',');
  if (text === undefined) return undefined;
  const names = queuesNamed(settings, text, flag !== undefined ? `${command} --queue` : asked !== undefined ? 'LC_QUEUE' : 'scheduler.queue').map((q) => q.name);
  env.LC_QUEUE = names.join(',');
  return names;
}
