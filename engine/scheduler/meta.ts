/**
 * Files of one session scheduler's state dir `<scratch>/.lightcone/scheduler/<key>/` (0700):
 *   meta.json       who runs it (this schema), written by the supervisor
 *   spawn.json      what the supervisor must start, written by `ensure` before spawning it
 *   scheduler.json  Dask's own scheduler file (address)
 *   activity.json   busy/idle and registered workers, written by the Python scheduler
 *   scheduler.log   supervisor + scheduler + workers + bridge output
 *   stop-request.json  who asked the supervisor to stop (written by `stop` before its SIGTERM)
 *   start-failure.json why a start failed (the supervisor, before it exits; kept like the log)
 *   unreachable/    one file per worker that could not reach the scheduler (lc_network.py)
 *   tls/            per-session CA cert + certificate/key (0600)
 *   bridge.sock     the warm bridge (unix socket)
 *   work/           worker local directories
 *   owner.lock/, spawn.lock/   proper-lockfile locks (mkdir-based: fine on DVS/Lustre)
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { deferred, once, zod } from '../lazy-zod.js';

export const META_VERSION = 1;

/**
 * Built on first use (see lazy-zod.ts), from the same zod instance as manifests and status: an
 * ESM `import { z } from 'zod'` here loaded a second copy of zod (~55 ms) on every Dask run,
 * before its first task could be submitted.
 */
function build() {
  const z = zod();
  const SchedulerModeSchema = z.enum(['local', 'slurm', 'pilots']);

  /** The queue a pilots session submits to, as resolved when it started (engine/queues/config.ts). */
  const PilotQueueSchema = z.object({
    name: z.string(),
    nodes: z.number().int().positive(),
    /** Per node: declared, else the largest node of the partition (sinfo). */
    cpus: z.number().positive(),
    memoryBytes: z.number().positive().optional(),
    gpus: z.number().int().nonnegative(),
    walltimeS: z.number().positive(),
    maxJobs: z.number().int().positive(),
    lifetimeMarginS: z.number().nonnegative(),
    idleTimeoutS: z.number().positive(),
    /** The `#SBATCH` lines of a pilot job, without the prefix. */
    sbatch: z.array(z.string()),
    /** Whether cpus/memory were declared (then the pilot asks for them and the workers advertise them). */
    declared: z.object({ cpus: z.boolean(), memory: z.boolean() }),
  });

  const MetaSchema = z.object({
    version: z.literal(META_VERSION),
    key: z.string(),
    mode: SchedulerModeSchema,
    state: z.enum(['starting', 'ready', 'stopping']),
    /** The supervisor (a node process). */
    pid: z.number().int(),
    /** /proc start time of the supervisor: guards against pid reuse. */
    pidStartTime: z.string(),
    host: z.string(),
    /** ISO time. */
    startedAt: z.string(),
    expectedWorkers: z.number().int().nonnegative(),
    idleTimeoutS: z.number().positive(),
    python: z.string(),
    /**
     * Pilots mode, or an allocation's session once a run asked for a queue: the queue its pilot
     * jobs are submitted to (the first, when it has several).
     */
    queue: PilotQueueSchema.optional(),
    /**
     * Every queue it submits pilots to, in the order tasks are routed (first that fits);
     * absent: `queue` alone. Added beside `queue`, version unchanged, so that an older lc still
     * reads a session as its first queue's instead of as a foreign file to clear.
     */
    queues: z.array(PilotQueueSchema).optional(),
    address: z.string().optional(),
    schedulerPid: z.number().int().optional(),
    workersPid: z.number().int().optional(),
    bridgePid: z.number().int().optional(),
    /** Set when the warm bridge listens. */
    bridgeSocket: z.string().optional(),
    /** ISO time the state became ready. */
    readyAt: z.string().optional(),
    /** Why the session is stopping (state `stopping`), for the runs that lose their tasks. */
    stopReason: z.string().optional(),
    /** The stop is a failure (the session could not go on), not a request: its runs fail. */
    stopFailed: z.boolean().optional(),
  });

  const StopRequestSchema = z.object({
    version: z.literal(META_VERSION),
    /** Who asked, for humans: "lc scheduler stop (pid 123, alice@login1)". */
    by: z.string(),
    /** ISO time. */
    at: z.string(),
  });

  const SpawnSpecSchema = z.object({
    version: z.literal(META_VERSION),
    key: z.string(),
    mode: SchedulerModeSchema,
    expectedWorkers: z.number().int().nonnegative(),
    idleTimeoutS: z.number().positive(),
    python: z.string(),
    pythonDir: z.string(),
    queue: PilotQueueSchema.optional(),
    /** Every queue, first = `queue` (see MetaSchema). */
    queues: z.array(PilotQueueSchema).optional(),
    /** Where the scheduler listens (local: loopback); absent: the node chooses (lc_network.py). */
    bindHost: z.string().optional(),
    /** Network interface for scheduler and workers (scheduler.interface), when configured. */
    interface: z.string().optional(),
    /** Seconds to wait for the expected workers before giving up. */
    workerTimeoutS: z.number().positive(),
  });

  const WorkSchema = z.object({ tasks: z.number(), cpus: z.number(), gpus: z.number() });

  const ActivitySchema = z.object({
    version: z.literal(1),
    busy: z.boolean(),
    idleSince: z.number().nullable(),
    workers: z.array(z.object({ name: z.string(), address: z.string(), resources: z.record(z.string(), z.number()) })),
    /**
     * Tasks not finished and not running, and the cpus/gpus they ask for (pilots size to it);
     * `queues`: the same per queue (a task's queue is its lc-queue-<name> resource).
     */
    demand: z.object({ tasks: z.number(), cpus: z.number(), gpus: z.number(), queues: z.record(z.string(), WorkSchema).optional() }).optional(),
  });

  /**
   * What one run attached to a pilots session still has to run (engine/executors/dask/pilot-gate.ts):
   * in all, and per queue (absent: all of it is the first queue's); `add`: queues the run routes
   * to that the session did not start with, which its supervisor then submits pilots of too.
   */
  const DemandSchema = z.object({
    version: z.literal(1),
    tasks: z.number(),
    cpus: z.number(),
    gpus: z.number(),
    at: z.number(),
    queues: z.record(z.string(), WorkSchema).optional(),
    add: z.array(PilotQueueSchema).optional(),
  });

  /**
   * The pilot jobs a session submitted and has not seen end (`pilots.json`), of all its queues.
   * Extended, version unchanged, for an older lc that finds it after a crash: it still cancels
   * every job listed.
   */
  const PilotsSchema = z.object({
    version: z.literal(1),
    /** The first queue. */
    queue: z.string(),
    /** Every queue, in order (absent: `queue` alone). */
    queues: z.array(z.string()).optional(),
    jobs: z.array(
      z.object({
        id: z.string(),
        /** The job's queue (absent: the first). */
        queue: z.string().optional(),
        submittedAt: z.string(),
        /** As squeue last said: PENDING, RUNNING, COMPLETING... */
        state: z.string().optional(),
        /** Why it is pending (Priority, Resources, QOSMaxJobsPerUserLimit...). */
        reason: z.string().optional(),
        nodes: z.string().optional(),
        /** squeue's TIME_LEFT, as it prints it. */
        timeLeft: z.string().optional(),
      }),
    ),
    /** The last sbatch refusal, while it stands. */
    refused: z.string().optional(),
    /** Per queue: its last sbatch refusal, while it stands. */
    refusedBy: z.record(z.string(), z.string()).optional(),
  });

  /** Written by a worker (python/lc_network.py) that could not connect to the scheduler. */
  const UnreachableSchema = z.object({
    version: z.literal(1),
    node: z.string(),
    address: z.string(),
    error: z.string(),
    at: z.number(),
  });

  const StartFailureSchema = z.object({
    version: z.literal(META_VERSION),
    code: z.enum(['SCHEDULER_START', 'SCHEDULER_UNREACHABLE']),
    message: z.string(),
    hint: z.string().optional(),
    /** Nodes whose workers failed, when known. */
    nodes: z.array(z.string()).optional(),
    address: z.string().optional(),
  });

  return {
    SchedulerModeSchema,
    PilotQueueSchema,
    WorkSchema,
    PilotsSchema,
    DemandSchema,
    MetaSchema,
    StopRequestSchema,
    SpawnSpecSchema,
    ActivitySchema,
    UnreachableSchema,
    StartFailureSchema,
  };
}

const schemas = once(build);
type Schemas = ReturnType<typeof build>;

export const MetaSchema: Schemas['MetaSchema'] = deferred(() => schemas().MetaSchema);
export const StopRequestSchema: Schemas['StopRequestSchema'] = deferred(() => schemas().StopRequestSchema);
export const SpawnSpecSchema: Schemas['SpawnSpecSchema'] = deferred(() => schemas().SpawnSpecSchema);
export const ActivitySchema: Schemas['ActivitySchema'] = deferred(() => schemas().ActivitySchema);
export const UnreachableSchema: Schemas['UnreachableSchema'] = deferred(() => schemas().UnreachableSchema);
export const StartFailureSchema: Schemas['StartFailureSchema'] = deferred(() => schemas().StartFailureSchema);
export const PilotsSchema: Schemas['PilotsSchema'] = deferred(() => schemas().PilotsSchema);
export const DemandSchema: Schemas['DemandSchema'] = deferred(() => schemas().DemandSchema);
export type PilotQueue = z.infer<Schemas['PilotQueueSchema']>;
export type Work = z.infer<Schemas['WorkSchema']>;
export type Demand = z.infer<Schemas['DemandSchema']>;
export type Pilots = z.infer<Schemas['PilotsSchema']>;
export type ManagedMode = z.infer<Schemas['SchedulerModeSchema']>;
export type SchedulerMeta = z.infer<Schemas['MetaSchema']>;
export type StopRequest = z.infer<Schemas['StopRequestSchema']>;
export type SpawnSpec = z.infer<Schemas['SpawnSpecSchema']>;
export type Activity = z.infer<Schemas['ActivitySchema']>;
export type Unreachable = z.infer<Schemas['UnreachableSchema']>;
export type StartFailure = z.infer<Schemas['StartFailureSchema']>;

export interface StateFiles {
  dir: string;
  meta: string;
  spawn: string;
  stopRequest: string;
  startFailure: string;
  unreachable: string;
  schedulerFile: string;
  activity: string;
  log: string;
  tls: string;
  socket: string;
  work: string;
  ownerLock: string;
  spawnLock: string;
  /** Pilot jobs (pilots mode, or an allocation's session asked for a queue): the submitted jobs, and a directory for their script and logs. */
  pilots: string;
  pilotsDir: string;
}

export function stateFiles(dir: string): StateFiles {
  return {
    dir,
    meta: join(dir, 'meta.json'),
    spawn: join(dir, 'spawn.json'),
    stopRequest: join(dir, 'stop-request.json'),
    startFailure: join(dir, 'start-failure.json'),
    unreachable: join(dir, 'unreachable'),
    schedulerFile: join(dir, 'scheduler.json'),
    activity: join(dir, 'activity.json'),
    log: join(dir, 'scheduler.log'),
    tls: join(dir, 'tls'),
    socket: join(dir, 'bridge.sock'),
    work: join(dir, 'work'),
    ownerLock: join(dir, 'owner'),
    spawnLock: join(dir, 'spawn'),
    pilots: join(dir, 'pilots.json'),
    pilotsDir: join(dir, 'pilots'),
  };
}

/** Parse a JSON file against a schema; undefined when missing or not valid (a stale or foreign file). */
export function readJsonFile<T>(path: string, schema: z.ZodType<T>): T | undefined {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const r = schema.safeParse(JSON.parse(raw));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/** Write JSON atomically (tmp + rename), mode 0600. */
export function writeJsonFile(path: string, doc: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(doc, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, path);
}

export const readMeta = (files: StateFiles): SchedulerMeta | undefined => readJsonFile(files.meta, MetaSchema);

/** The queues a session submits pilots to (or its spawn spec names), in routing order; none for a session without pilots. */
export function sessionQueues(m: { queue?: PilotQueue | undefined; queues?: PilotQueue[] | undefined } | undefined): PilotQueue[] {
  return m?.queues ?? (m?.queue ? [m.queue] : []);
}

/** The state dir exists with mode 0700 (tightened if it already existed). */
export function ensureStateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}
