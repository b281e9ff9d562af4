/**
 * schedulerStatus: what `lc scheduler status` and the TUI show: mode, address, uptime, idle
 * time left, and the workers with their utilisation (whole process trees, see lc_dask_task).
 */
import { hostname } from 'node:os';
import type { NodeUtilisation } from '../executors/executor.js';
import { UtilisationSchema } from '../executors/dask/protocol.js';
import { schedulerContext, type SchedulerMode } from './context.js';
import { connectBridge } from './connect.js';
import { probeAddress, schedulerAlive, supervisorAlive, type SessionHandle } from './ensure.js';
import { ActivitySchema, PilotsSchema, readJsonFile, readMeta, sessionQueues, type PilotQueue, type Pilots } from './meta.js';
import { sleep } from './proc.js';
import { tlsFiles } from './tls.js';
import { errorMessage } from '../errors.js';

export const STATUS_VERSION = 1;

export interface WorkerStatus extends NodeUtilisation {
  /** Dask worker name (the node name under SLURM). */
  worker: string;
}

export interface SchedulerStatus {
  version: typeof STATUS_VERSION;
  mode: SchedulerMode;
  key: string;
  running: boolean;
  state?: 'starting' | 'ready' | 'stopping';
  address?: string;
  host?: string;
  pid?: number;
  startedAt?: string;
  uptimeS?: number;
  idleTimeoutS?: number;
  /** Seconds until the idle timeout stops it; null while tasks are queued or running. */
  idleLeftS?: number | null;
  expectedWorkers?: number;
  workers: WorkerStatus[];
  stateDir?: string;
  logPath?: string;
  /** Why workers could not be queried, if they could not. */
  workersError?: string;
  /**
   * Pilots mode: the pilot jobs it has submitted, as squeue last said, of all its queues (each
   * job names its queue; `queue` is the queues comma-separated, as --queue takes them, and
   * `maxJobs` their sum), and per queue in `queues`.
   */
  pilots?: QueuePilots & { queues: QueuePilots[] };
}

/** One queue's pilot jobs: at most maxJobs; its last sbatch refusal while it stands. */
export interface QueuePilots {
  queue: string;
  maxJobs: number;
  jobs: Pilots['jobs'];
  refused?: string;
}

export interface StatusOptions {
  projectRoot: string;
  env?: NodeJS.ProcessEnv;
  /** Query workers (default true). */
  workers?: boolean;
  /** Take two utilisation samples this far apart (ms) so CPU% is current; default 0 (one sample). */
  sampleMs?: number;
}

export async function schedulerStatus(opts: StatusOptions): Promise<SchedulerStatus> {
  const env = opts.env ?? process.env;
  const ctx = schedulerContext(opts.projectRoot, env);
  if (ctx.mode === 'external') {
    const running = await probeAddress(ctx.address);
    const st: SchedulerStatus = {
      version: STATUS_VERSION,
      mode: 'external',
      key: ctx.key,
      running,
      address: ctx.address,
      workers: [],
    };
    if (running && opts.workers !== false)
      await addWorkers(st, { mode: 'external', key: ctx.key, address: ctx.address, reused: true }, opts, env);
    return st;
  }
  const { files } = ctx;
  const meta = readMeta(files);
  const base: SchedulerStatus = {
    version: STATUS_VERSION,
    mode: ctx.mode,
    key: ctx.key,
    running: false,
    workers: [],
    stateDir: files.dir,
    logPath: files.log,
  };
  if (!meta || !supervisorAlive(meta, files)) return base;
  const now = Date.now();
  const act = readJsonFile(files.activity, ActivitySchema);
  const st: SchedulerStatus = {
    ...base,
    running: meta.state === 'ready' && (await schedulerAlive(meta, files)),
    state: meta.state,
    host: meta.host,
    pid: meta.pid,
    startedAt: meta.startedAt,
    uptimeS: Math.max(0, (now - Date.parse(meta.startedAt)) / 1000),
    idleTimeoutS: meta.idleTimeoutS,
    expectedWorkers: meta.expectedWorkers,
    ...(meta.address ? { address: meta.address } : {}),
  };
  const queues = sessionQueues(meta);
  if (queues.length > 0) st.pilots = pilotsStatus(queues, readJsonFile(files.pilots, PilotsSchema));
  if (act)
    st.idleLeftS =
      act.busy || act.idleSince === null ? null : Math.max(0, meta.idleTimeoutS - (now - act.idleSince) / 1000);
  if (st.running && opts.workers !== false) {
    const sameHost = meta.host === hostname();
    const handle: SessionHandle = {
      mode: meta.mode,
      key: meta.key,
      address: meta.address as string,
      files,
      tls: tlsFiles(files.tls),
      meta,
      reused: true,
      ...(sameHost && meta.bridgeSocket ? { socket: meta.bridgeSocket } : {}),
    };
    await addWorkers(st, handle, opts, env);
  }
  return st;
}

/** The pilots of every queue, each job named with its queue (an older pilots.json's are the first queue's). */
function pilotsStatus(queues: readonly PilotQueue[], p: Pilots | undefined): NonNullable<SchedulerStatus['pilots']> {
  const first = queues[0]?.name ?? '';
  const jobs = (p?.jobs ?? []).map((j) => ({ ...j, queue: j.queue ?? first }));
  const per: QueuePilots[] = queues.map((q) => {
    const refused = p?.refusedBy?.[q.name] ?? (queues.length === 1 ? p?.refused : undefined);
    return { queue: q.name, maxJobs: q.maxJobs, jobs: jobs.filter((j) => j.queue === q.name), ...(refused ? { refused } : {}) };
  });
  return {
    queue: queues.map((q) => q.name).join(','),
    maxJobs: queues.reduce((a, q) => a + q.maxJobs, 0),
    jobs,
    ...(p?.refused ? { refused: p.refused } : {}),
    queues: per,
  };
}

async function addWorkers(
  st: SchedulerStatus,
  handle: SessionHandle,
  opts: StatusOptions,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  try {
    const bridge = await connectBridge(handle, opts.projectRoot, env);
    try {
      let u = await bridge.query('utilisation', UtilisationSchema);
      if (opts.sampleMs) {
        await sleep(opts.sampleMs);
        u = await bridge.query('utilisation', UtilisationSchema);
      }
      st.workers = u.map((w) => ({ ...w }));
    } finally {
      await bridge.close();
    }
  } catch (e) {
    st.workersError = errorMessage(e);
  }
}
