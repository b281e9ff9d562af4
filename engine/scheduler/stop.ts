/**
 * stopScheduler: end the session scheduler of this context. Only our own supervisor is ever
 * signalled (pid + start time + command line checked); it retires the workers, ends the srun
 * step and removes the state. Idempotent: nothing running is not an error.
 */
import { existsSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { LcError } from '../errors.js';
import { schedulerContext } from './context.js';
import { SUPERVISOR_MARK } from './ensure.js';
import { META_VERSION, readMeta, writeJsonFile, type SchedulerMeta, type StateFiles, type StopRequest } from './meta.js';
import { isOurProcess, signalIfOurs, waitGone } from './proc.js';

export interface StopResult {
  /** True when a running scheduler was stopped (or a dead one's leftovers cleared). */
  stopped: boolean;
  message: string;
}

export async function stopScheduler(opts: {
  projectRoot: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Who asks, for the runs whose tasks the stop cancels. Default: this process (`lc scheduler stop (pid ...)`). */
  requestedBy?: string;
}): Promise<StopResult> {
  const env = opts.env ?? process.env;
  const ctx = schedulerContext(opts.projectRoot, env);
  if (ctx.mode === 'external') {
    throw new LcError(
      'SCHEDULER_EXTERNAL',
      `the scheduler at ${ctx.address} was not started by lc (DASK_SCHEDULER_ADDRESS is set), so lc does not stop it`,
      {
        hint: 'stop it where it was started, or unset DASK_SCHEDULER_ADDRESS to manage lc\u2019s own session scheduler',
      },
    );
  }
  const { files } = ctx;
  const meta = readMeta(files);
  if (!meta) {
    const cleared = clearLeftovers(files);
    return {
      stopped: false,
      message: cleared ? `no scheduler was running (cleared stale files in ${files.dir})` : 'no scheduler is running',
    };
  }
  if (meta.host !== hostname()) return stopElsewhere(files, meta, opts.requestedBy ?? thisProcess(), opts.timeoutMs);
  if (isOurProcess(meta.pid, [SUPERVISOR_MARK, files.dir], meta.pidStartTime)) {
    recordStopRequest(files, opts.requestedBy ?? thisProcess());
    signalIfOurs(meta.pid, [SUPERVISOR_MARK, files.dir], 'SIGTERM', meta.pidStartTime);
    const gone = await waitGone(meta.pid, meta.pidStartTime, opts.timeoutMs ?? 90_000);
    if (!gone) {
      throw new LcError(
        'SCHEDULER_STOP',
        `the scheduler supervisor (pid ${meta.pid}) did not stop within ${Math.round((opts.timeoutMs ?? 90_000) / 1000)} s; see ${files.log}`,
      );
    }
    clearLeftovers(files);
    return { stopped: true, message: `stopped the ${meta.mode} scheduler ${meta.address ?? ''}`.trim() };
  }
  // supervisor already dead (crash, kill -9): its children die with it; clear what is left
  for (const p of [meta.schedulerPid, meta.workersPid, meta.bridgePid]) {
    if (p !== undefined && signalIfOurs(p, [files.dir], 'SIGTERM')) {
      if (!(await waitGone(p, undefined, 5_000))) signalIfOurs(p, [files.dir], 'SIGKILL');
    }
  }
  clearLeftovers(files, true);
  return { stopped: true, message: `the scheduler's supervisor (pid ${meta.pid}) was already gone; cleared its state` };
}

/**
 * The supervisor runs on another host (another node of the allocation), so it cannot be
 * signalled from here. The state dir is on a shared filesystem: write the stop request there,
 * which the supervisor checks several times a second, and wait until its state is gone.
 */
async function stopElsewhere(
  files: StateFiles,
  meta: SchedulerMeta,
  by: string,
  timeoutMs = 90_000,
): Promise<StopResult> {
  recordStopRequest(files, by);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const now = readMeta(files);
    if (!now || now.pid !== meta.pid || now.startedAt !== meta.startedAt)
      return {
        stopped: true,
        message: `stopped the ${meta.mode} scheduler${meta.address ? ` ${meta.address}` : ''} (its supervisor ran on ${meta.host})`,
      };
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new LcError(
    'SCHEDULER_STOP',
    `the scheduler's supervisor on ${meta.host} (pid ${meta.pid}) did not stop within ${Math.round(timeoutMs / 1000)} s of the request written to ${files.stopRequest}; see ${files.log}`,
    { hint: `if ${meta.host} is gone, its allocation is too; otherwise run lc scheduler stop on ${meta.host}` },
  );
}

/**
 * Tell the supervisor who is stopping it (it reads this on SIGTERM): runs whose tasks the stop
 * cancels then say by whom. Best effort: without it they still say the scheduler was stopped.
 */
function recordStopRequest(files: StateFiles, by: string): void {
  const req: StopRequest = { version: META_VERSION, by, at: new Date().toISOString() };
  try {
    writeJsonFile(files.stopRequest, req);
  } catch {
    // a state dir we cannot write to: the stop itself still works
  }
}

/** This process's command line and identity: "lc scheduler stop (pid 123, alice@login1)". */
function thisProcess(): string {
  let cmd = ['lc', ...process.argv.slice(2)].join(' ');
  if (cmd.length > 80) cmd = `${cmd.slice(0, 79)}…`;
  let user = '';
  try {
    user = `${userInfo().username}@`;
  } catch {
    // no passwd entry
  }
  return `${cmd} (pid ${process.pid}, ${user}${hostname()})`;
}

/** Remove a stopped session's files; true when there was something to remove. */
function clearLeftovers(files: StateFiles, withLog = true): boolean {
  if (!existsSync(files.dir)) return false;
  const keep = new Set(withLog ? [] : ['scheduler.log']);
  let removed = false;
  for (const name of readdirSync(files.dir)) {
    if (keep.has(name) || name === 'spawn.lock') continue;
    rmSync(`${files.dir}/${name}`, { recursive: true, force: true });
    removed = true;
  }
  try {
    rmdirSync(files.dir);
  } catch {
    // a log kept, or a spawn in progress
  }
  return removed;
}
