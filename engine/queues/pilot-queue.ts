/**
 * A queue as a pilots session uses it: the node shape its workers will have (what a task is
 * checked against before anything is submitted) and the sbatch options of one pilot job. A
 * queue that does not say how many cpus (or how much memory) a node has gets the largest node
 * of its partition, as sinfo reports it: the pilot then takes what SLURM gives it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LcError } from '../errors.js';
import type { PilotQueue } from '../scheduler/meta.js';
import { slurmTime, type QueueSpec } from './config.js';

const run = promisify(execFile);

/** How long a session waits, with nothing to do, before it cancels its pilots (they end when idle). */
export const PILOT_IDLE_S = 60;

export async function pilotQueue(q: QueueSpec, env: NodeJS.ProcessEnv = process.env): Promise<PilotQueue> {
  const node = await largestNode(q.partition, env).catch((e: unknown) => {
    // a queue that declares its node shape can go without sinfo's word
    if (q.cpus !== undefined && q.memoryBytes !== undefined) return undefined;
    throw e;
  });
  if (node) checkFits(q, node);
  const cpus = q.cpus ?? node?.cpus ?? 1;
  const memoryBytes = q.memoryBytes ?? node?.memoryBytes;
  return {
    name: q.name,
    nodes: q.nodes,
    cpus,
    ...(memoryBytes !== undefined ? { memoryBytes } : {}),
    gpus: q.gpus,
    walltimeS: q.walltimeS,
    maxJobs: q.maxJobs,
    lifetimeMarginS: q.lifetimeMarginS,
    idleTimeoutS: Number(env.LC_PILOT_IDLE_TIMEOUT) || PILOT_IDLE_S,
    sbatch: sbatchOptions(q),
    declared: { cpus: q.cpus !== undefined, memory: q.memoryBytes !== undefined },
  };
}

/** A queue whose pilots no node could ever run is refused before anything is submitted. */
function checkFits(q: QueueSpec, node: { cpus: number; memoryBytes: number }): void {
  const where = q.partition ? `partition ${q.partition}` : 'the cluster';
  const over =
    q.cpus !== undefined && q.cpus > node.cpus
      ? `${q.cpus} cpus per node; the largest node of ${where} has ${node.cpus}`
      : q.memoryBytes !== undefined && node.memoryBytes > 0 && q.memoryBytes > node.memoryBytes
        ? `${Math.round(q.memoryBytes / 2 ** 20)} MiB per node; the largest node of ${where} has ${Math.round(node.memoryBytes / 2 ** 20)} MiB`
        : undefined;
  if (over) throw new LcError('QUEUE_INVALID', `queue ${q.name} asks for ${over}: its pilot jobs could never start`, { hint: `lower cpus/memory of queues.${q.name}, or name another partition` });
}

/** The `#SBATCH` options of one pilot job (the output file is the supervisor's to add). */
export function sbatchOptions(q: QueueSpec): string[] {
  // never requeued: a pilot that failed to launch ends, and the session submits another while
  // work waits (a requeued one could start long after its session is gone)
  const out = [`--job-name=lc-pilot-${q.name}`, `--nodes=${q.nodes}`, '--ntasks-per-node=1', `--time=${slurmTime(q.walltimeS)}`, '--no-requeue'];
  if (q.cpus !== undefined) out.push(`--cpus-per-task=${q.cpus}`);
  if (q.memoryBytes !== undefined) out.push(`--mem=${Math.floor(q.memoryBytes / 2 ** 20)}M`);
  if (q.gpus > 0) out.push(`--gpus-per-node=${q.gpus}`);
  return [...out, ...siteOptions(q)];
}

/** Where a queue's jobs go and who pays: partition, qos, account, constraint, reservation, its own lines. */
export function siteOptions(q: QueueSpec): string[] {
  const out: string[] = [];
  for (const f of ['partition', 'qos', 'account', 'constraint', 'reservation'] as const) if (q[f] !== undefined) out.push(`--${f}=${q[f]}`);
  return [...out, ...q.sbatch];
}

/** The largest node (cpus, memory) of a partition, or of the cluster. */
async function largestNode(partition: string | undefined, env: NodeJS.ProcessEnv): Promise<{ cpus: number; memoryBytes: number }> {
  let stdout: string;
  try {
    ({ stdout } = await run('sinfo', ['-h', '-o', '%c %m', ...(partition ? ['-p', partition] : [])], { env, timeout: 30_000 }));
  } catch (e) {
    throw new LcError('QUEUE_INVALID', `cannot ask SLURM how big a node is (sinfo: ${(e as Error).message.split('\n')[0]})`, {
      hint: 'set cpus and memory in the queue',
    });
  }
  let best = { cpus: 0, memoryBytes: 0 };
  for (const line of stdout.split('\n')) {
    const m = /^(\d+)\+?\s+(\d+)\+?/.exec(line.trim());
    if (m && Number(m[1]) >= best.cpus) best = { cpus: Number(m[1]), memoryBytes: Number(m[2]) * 2 ** 20 };
  }
  if (best.cpus === 0) throw new LcError('QUEUE_INVALID', `SLURM lists no node${partition ? ` in partition ${partition}` : ''}`, { hint: 'check the queue’s partition' });
  return best;
}
