/**
 * ensureScheduler: give the caller a live scheduler, starting one only when needed.
 *   1. fast path: meta.json says ready, its supervisor is alive (pid AND start time AND
 *      command line), and the address answers a TCP probe -> reuse;
 *   2. else take the spawn lock (proper-lockfile) and look again (someone may have just
 *      started one), clear what a dead session left (its processes, verified, and files),
 *      spawn a detached supervisor and wait until it reports ready: scheduler answering AND
 *      the expected workers registered. Failure or timeout -> LcError naming the log file.
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import lockfile from 'proper-lockfile';
import { errorMessage, LcError } from '../errors.js';
import { findDaskPython, pythonDir } from '../executors/dask/python.js';
import { readSchedulerSettings } from './config.js';
import { checkLoginNode, queueNames, schedulerContext, type SchedulerMode } from './context.js';
import {
  ensureStateDir,
  META_VERSION,
  PilotsSchema,
  readJsonFile,
  readMeta,
  sessionQueues,
  writeJsonFile,
  type PilotQueue,
  type SchedulerMeta,
  type SpawnSpec,
  type StateFiles,
} from './meta.js';
import { isOurProcess, signalIfOurs, sleep, waitGone, procStartTime } from './proc.js';
import { addressTowardNodes } from './slurm.js';
import { readStartFailure } from './start-failure.js';
import { tlsFiles, type TlsFiles } from './tls.js';

export interface SessionHandle {
  mode: SchedulerMode;
  key: string;
  address: string;
  /** Managed modes only. */
  files?: StateFiles;
  tls?: TlsFiles;
  /** The warm bridge's socket, when it runs on this host. */
  socket?: string;
  meta?: SchedulerMeta;
  /**
   * Pilots mode: the queues this lc routes its tasks to, in its order (LC_QUEUE): the session's
   * own, and any it did not start with (the executor asks for them in its demand file).
   */
  queues?: PilotQueue[];
  /** True when an already running scheduler was attached. */
  reused: boolean;
}

export interface EnsureOptions {
  projectRoot: string;
  env?: NodeJS.ProcessEnv;
  /** Progress for humans during a cold start. */
  onNotice?: (message: string) => void;
  /** Seconds to wait for the expected workers (default 120, env LC_SCHEDULER_START_TIMEOUT). */
  workerTimeoutS?: number;
}

export const SUPERVISOR_MARK = 'supervisor-main';

/** Is the supervisor recorded in meta still that very process? (Only checkable on its host.) */
export function supervisorAlive(meta: SchedulerMeta, files: StateFiles): boolean {
  if (meta.host !== hostname()) return true; // another node: the TCP probe decides
  return isOurProcess(meta.pid, [SUPERVISOR_MARK, files.dir], meta.pidStartTime);
}

/**
 * Does the session's scheduler answer? On its host the processes say so (supervisor and
 * scheduler pids, both verified): no connection, so no "TLS handshake failed" line in the
 * scheduler log for every lc run and every TUI poll. From another node: a TCP probe.
 */
export async function schedulerAlive(meta: SchedulerMeta, files: StateFiles): Promise<boolean> {
  if (!meta.address) return false;
  if (meta.host === hostname()) {
    return supervisorAlive(meta, files) && isOurProcess(meta.schedulerPid, ['lc_dask_launch.py', files.dir]);
  }
  return probeAddress(meta.address);
}

/** TCP connect to the scheduler's port (no TLS handshake: cheap, and enough to see it listens). */
export function probeAddress(address: string, timeoutMs = 2_000): Promise<boolean> {
  const m = /^[a-z]+:\/\/(\[[^\]]+\]|[^:/]+):(\d+)/.exec(address);
  if (!m) return Promise.resolve(false);
  const host = (m[1] as string).replace(/^\[|\]$/g, '');
  const port = Number(m[2]);
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

function handleFrom(meta: SchedulerMeta, files: StateFiles, reused: boolean): SessionHandle {
  const sameHost = meta.host === hostname();
  return {
    mode: meta.mode,
    key: meta.key,
    address: meta.address as string,
    files,
    tls: tlsFiles(files.tls),
    ...(sameHost && meta.bridgeSocket && existsSync(meta.bridgeSocket) ? { socket: meta.bridgeSocket } : {}),
    meta,
    reused,
  };
}

async function liveHandle(files: StateFiles, reused: boolean): Promise<SessionHandle | undefined> {
  const meta = readMeta(files);
  if (!meta || meta.state !== 'ready' || !meta.address) return undefined;
  if (!supervisorAlive(meta, files)) return undefined;
  if (!(await schedulerAlive(meta, files))) return undefined;
  return handleFrom(meta, files, reused);
}

export async function ensureScheduler(opts: EnsureOptions): Promise<SessionHandle> {
  const env = opts.env ?? process.env;
  const h = await ensureSession(opts);
  // in an allocation, pilots only for a run that asks for a queue (the session may have some already)
  if (h.mode !== 'pilots' && !(h.mode === 'slurm' && queueNames(env).length > 0)) return h;
  return { ...h, queues: await runQueues(opts.projectRoot, env, sessionQueues(h.meta)) };
}

async function ensureSession(opts: EnsureOptions): Promise<SessionHandle> {
  const env = opts.env ?? process.env;
  checkLoginNode(env);
  const ctx = schedulerContext(opts.projectRoot, env);
  if (ctx.mode === 'external') return { mode: 'external', key: ctx.key, address: ctx.address, reused: true };
  const { files } = ctx;
  const warm = await liveHandle(files, true);
  if (warm) return warm;

  const settings = readSchedulerSettings(opts.projectRoot, env);
  ensureStateDir(files.dir);
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(files.spawnLock, {
      realpath: false,
      stale: 30_000,
      update: 5_000,
      retries: { retries: 600, minTimeout: 100, maxTimeout: 500 },
    });
  } catch (e) {
    throw new LcError(
      'SCHEDULER_LOCK',
      `cannot take the scheduler spawn lock ${files.spawnLock}.lock: ${errorMessage(e)}`,
    );
  }
  try {
    const again = await liveHandle(files, true);
    if (again) return again;
    const meta = readMeta(files);
    if (meta && meta.state !== 'stopping' && supervisorAlive(meta, files) && meta.host === hostname()) {
      // a supervisor is still starting (its spawner gave up or crashed): wait for it
      opts.onNotice?.(`waiting for the scheduler being started (log: ${files.log})`);
      return await waitReady(files, meta.pid, undefined, (opts.workerTimeoutS ?? 120) * 1000 + 60_000);
    }
    if (meta && meta.state === 'stopping' && supervisorAlive(meta, files) && meta.host === hostname()) {
      opts.onNotice?.('waiting for the previous scheduler to finish stopping');
      await waitGone(meta.pid, meta.pidStartTime, 60_000);
    }
    await clearStale(files);
    const python = await findDaskPython({ python: settings.python, source: settings.pythonSource });
    const queues = ctx.mode === 'pilots' || (ctx.mode === 'slurm' && queueNames(env).length > 0) ? await runQueues(opts.projectRoot, env, []) : [];
    const queue = queues[0];
    const workerTimeoutS = opts.workerTimeoutS ?? (Number(env.LC_SCHEDULER_START_TIMEOUT) || 120);
    const spec: SpawnSpec = {
      version: META_VERSION,
      key: ctx.key,
      mode: ctx.mode,
      expectedWorkers: ctx.expectedWorkers,
      idleTimeoutS: settings.idleTimeoutS,
      python: python.python,
      pythonDir: pythonDir(),
      bindHost: ctx.bindHost ?? (ctx.mode === 'pilots' && !settings.interface ? await addressTowardNodes(env) : undefined),
      interface: settings.interface,
      workerTimeoutS,
      ...(queue ? { queue, queues } : {}),
    };
    writeJsonFile(files.spawn, spec);
    const workers = `${ctx.expectedWorkers} worker${ctx.expectedWorkers > 1 ? 's' : ''}`;
    opts.onNotice?.(
      ctx.mode === 'pilots'
        ? `starting a Dask scheduler here for pilot jobs of ${queuesText(queues)}; log: ${files.log}`
        : `starting a ${ctx.mode} Dask scheduler (${workers}${queue ? `, and pilot jobs of ${queuesText(queues)} while tasks wait` : ''}); log: ${files.log}`,
    );
    const pid = spawnSupervisor(files, env);
    return await waitReady(files, pid, procStartTime(pid), workerTimeoutS * 1000 + 60_000);
  } finally {
    await release().catch(() => undefined);
  }
}

/**
 * The queues of LC_QUEUE, as their pilots will ask for them: a queue the session already has as
 * it started with it (one sinfo less, and the same shape its pilots have), any other resolved now.
 */
async function runQueues(projectRoot: string, env: NodeJS.ProcessEnv, session: readonly PilotQueue[]): Promise<PilotQueue[]> {
  const { readQueueSettings, queuesNamed } = await import('../queues/config.js');
  const { pilotQueue } = await import('../queues/pilot-queue.js');
  const names = queueNames(env);
  if (names.every((n) => session.some((q) => q.name === n))) return names.map((n) => session.find((q) => q.name === n) as PilotQueue);
  const specs = queuesNamed(readQueueSettings(projectRoot, env), names.join(','), 'LC_QUEUE');
  return Promise.all(specs.map((q) => session.find((s) => s.name === q.name) ?? pilotQueue(q, env)));
}

/** `queue cpu (up to 20)`, `queues cpu (up to 20), gpu (up to 4)`. */
function queuesText(queues: readonly PilotQueue[]): string {
  return `queue${queues.length > 1 ? 's' : ''} ${queues.map((q) => `${q.name} (up to ${q.maxJobs})`).join(', ')}`;
}

function supervisorScript(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return join(dirname(here), 'supervisor-main.js');
  // running from the TypeScript sources (tests): the supervisor must be the built one
  return join(dirname(pythonDir()), 'dist', 'engine', 'scheduler', 'supervisor-main.js');
}

function spawnSupervisor(files: StateFiles, env: NodeJS.ProcessEnv): number {
  const script = supervisorScript();
  if (!existsSync(script))
    throw new LcError('INTERNAL', `the scheduler supervisor ${script} is missing (run npm run build)`);
  const fd = openSync(files.log, 'a', 0o600);
  try {
    const child = spawn(process.execPath, [script, files.dir], {
      detached: true, // own session: survives this lc, and no terminal signal reaches it
      stdio: ['ignore', fd, fd],
      env,
      cwd: dirname(files.dir),
    });
    child.unref();
    if (child.pid === undefined)
      throw new LcError('SCHEDULER_START', `could not start the scheduler supervisor (see ${files.log})`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

function logTail(files: StateFiles, n = 15): string {
  try {
    const lines = readFileSync(files.log, 'utf8').trimEnd().split('\n');
    return lines.slice(-n).join('\n');
  } catch {
    return '';
  }
}

async function waitReady(
  files: StateFiles,
  pid: number,
  startTime: string | undefined,
  timeoutMs: number,
): Promise<SessionHandle> {
  const end = Date.now() + timeoutMs;
  const st = startTime ?? procStartTime(pid);
  for (;;) {
    const h = await liveHandle(files, false);
    if (h) return h;
    // the supervisor says why before it shuts down (which can take a while): tell it now
    const failure = readStartFailure(files);
    if (failure) {
      throw new LcError(failure.code, failure.message, {
        context: { log: files.log, ...(failure.nodes ? { nodes: failure.nodes } : {}) },
        ...(failure.hint ? { hint: failure.hint } : {}),
      });
    }
    const alive = procStartTime(pid) !== undefined && procStartTime(pid) === st;
    if (!alive) {
      const h2 = await liveHandle(files, false);
      if (h2) return h2;
      throw new LcError('SCHEDULER_START', `the Dask scheduler did not start; see ${files.log}`, {
        context: { log: files.log, tail: logTail(files) },
        hint: logTail(files, 6) || undefined,
      });
    }
    if (Date.now() > end) {
      signalIfOurs(pid, [SUPERVISOR_MARK, files.dir], 'SIGTERM', st);
      throw new LcError(
        'SCHEDULER_START',
        `the Dask scheduler was not ready within ${Math.round(timeoutMs / 1000)} s; see ${files.log}`,
        {
          context: { log: files.log },
          hint: logTail(files, 6) || undefined,
        },
      );
    }
    await sleep(100);
  }
}

/** A dead session's leftovers: its processes (only if still verifiably ours) and files. */
async function clearStale(files: StateFiles): Promise<void> {
  const meta = readMeta(files);
  if (meta && meta.host === hostname()) {
    const pids = [meta.schedulerPid, meta.workersPid, meta.bridgePid].filter((p): p is number => p !== undefined);
    for (const p of pids) signalIfOurs(p, [files.dir], 'SIGTERM');
    for (const p of pids) if (!(await waitGone(p, undefined, 5_000))) signalIfOurs(p, [files.dir], 'SIGKILL');
    if (!isOurProcess(meta.pid, [SUPERVISOR_MARK, files.dir], meta.pidStartTime)) {
      // its owner lock would only go stale in 10 s; the owner is provably dead
      rmSync(`${files.ownerLock}.lock`, { recursive: true, force: true });
    }
  }
  // pilot jobs of a dead session: they would only find no scheduler, but never leave them queued
  const pilots = readJsonFile(files.pilots, PilotsSchema);
  if (pilots && pilots.jobs.length > 0) await cancelJobs(pilots.jobs.map((j) => j.id));
  for (const p of [
    files.pilots,
    files.meta,
    files.schedulerFile,
    files.activity,
    files.socket,
    files.spawn,
    files.stopRequest,
    files.startFailure,
  ])
    rmSync(p, { force: true });
  for (const p of [files.tls, files.work, files.unreachable]) rmSync(p, { recursive: true, force: true });
}

function cancelJobs(ids: string[]): Promise<void> {
  return new Promise((resolve) => execFile('scancel', ids, { timeout: 30_000 }, () => resolve()));
}
