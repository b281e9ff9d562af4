/**
 * The session supervisor: a detached node process (own session, stdio to scheduler.log) that
 * owns one session scheduler for its whole life. It
 *   - holds the owner lock (proper-lockfile) so a second supervisor for the same dir exits;
 *   - makes the per-session TLS material, starts the TLS-only Dask scheduler (here, or in a
 *     SLURM allocation as an `srun --overlap` step on its first node), the workers (here, or
 *     ONE `srun --overlap` step with a worker per node) and the warm bridge (here);
 *   - marks meta.json `ready` once the expected workers registered;
 *   - stops everything when asked (SIGTERM), when idle for too long, when the srun step or the
 *     scheduler ends, or when the SLURM job is gone; then removes the state files. A stop first
 *     records why in meta.json and has the warm bridge cancel the tasks of every attached run
 *     (their runs report them as cancelled by the stop, and the next run redoes them).
 * Its children get a parent-death signal (set in Python), so even a kill -9 of the supervisor
 * leaves no scheduler, worker step or bridge behind.
 */
import { chmodSync, existsSync, readFileSync, rmSync, rmdirSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import {
  ActivitySchema,
  META_VERSION,
  readJsonFile,
  SpawnSpecSchema,
  StopRequestSchema,
  stateFiles,
  writeJsonFile,
  type SchedulerMeta,
  type SpawnSpec,
  type StateFiles,
} from './meta.js';
import { awaitExit, startChild as spawnChild, terminate, type Child } from './children.js';
import { procStartTime, sleep } from './proc.js';
import { PilotFleet } from './pilot-fleet.js';
import { workerArgs as sessionWorkerArgs } from './worker-args.js';
import { schedulerNode, slurmJobGone } from './slurm.js';
import { createSessionTls } from './tls.js';
import { readUnreachable, unreachableFailure, writeStartFailure } from './start-failure.js';
import { errorMessage } from '../errors.js';

const log = (msg: string): void => {
  process.stdout.write(`${new Date().toISOString()} lc-supervisor[${process.pid}]: ${msg}\n`);
};

/** Unix socket paths are limited to 107 bytes; beyond that the warm bridge is skipped. */
export const MAX_SOCKET_PATH = 100;

export async function runSupervisor(dir: string): Promise<number> {
  const files = stateFiles(dir);
  const spec = readJsonFile(files.spawn, SpawnSpecSchema);
  if (!spec) {
    log(`no valid spawn.json in ${dir}; nothing to supervise`);
    return 1;
  }
  let release: (() => Promise<void>) | undefined;
  let stopReason: { why: string; error: boolean } | undefined;
  const requestStop = (why: string, error = false): void => {
    if (!stopReason) {
      stopReason = { why, error };
      log(`stopping: ${why}`);
    }
  };
  try {
    release = await lockfile.lock(files.ownerLock, {
      realpath: false,
      stale: 10_000,
      update: 2_000,
      retries: { retries: 30, minTimeout: 500, maxTimeout: 1_000 },
      onCompromised: (e) => requestStop(`owner lock lost (${e.message})`, true),
    });
  } catch (e) {
    log(`another supervisor owns ${dir} (${errorMessage(e)}); exiting`);
    return 0;
  }
  for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(s, () => requestStop(stopRequestedBy(files, s)));

  const meta: SchedulerMeta = {
    version: META_VERSION,
    key: spec.key,
    mode: spec.mode,
    state: 'starting',
    pid: process.pid,
    pidStartTime: procStartTime(process.pid) ?? '',
    host: hostname(),
    startedAt: new Date().toISOString(),
    expectedWorkers: spec.expectedWorkers,
    idleTimeoutS: spec.idleTimeoutS,
    python: spec.python,
    ...(spec.queue ? { queue: spec.queue } : {}),
    ...(spec.queues ? { queues: spec.queues } : {}),
  };
  const saveMeta = (): void => writeJsonFile(files.meta, meta);
  saveMeta(); // before anything starts: `stop` can find us from the first moment
  const children: Child[] = [];
  const env = childEnv(spec);
  const startChild = (name: string, cmd: string, args: string[]): Child => {
    const c = spawnChild(name, cmd, args, { env, cwd: dir, log });
    children.push(c);
    return c;
  };

  let scheduler: Child | undefined;
  let workers: Child | undefined;
  let bridge: Child | undefined;
  // a queue a later run adds is in meta.json from then on (status, and the runs after it)
  const onQueues = (queues: SchedulerMeta['queues']): void => {
    meta.queues = queues;
    saveMeta();
  };
  // an allocation's session submits pilots only once a run asks for a queue (its demand file)
  const pilots = spec.mode === 'local' ? undefined : new PilotFleet(spec, files, env, log, onQueues);
  try {
    await createSessionTls(files.tls);
    mkdirSync(files.work, { recursive: true, mode: 0o700 });
    const launch = join(spec.pythonDir, 'lc_dask_launch.py');
    const node = spec.mode === 'slurm' ? await schedulerNode(process.env) : undefined;
    scheduler = startScheduler(spec, files, launch, startChild, node);
    meta.schedulerPid = scheduler.proc.pid;
    saveMeta();
    const address = await waitForAddress(files, scheduler, () => stopReason !== undefined, 60_000);
    if (!address) requestStop('the Dask scheduler did not start (see the lines above)', true);
    else {
      meta.address = address;
      log(`scheduler listening on ${address}`);
      chmodSync(files.schedulerFile, 0o600);
      // pilots mode: the workers come in pilot jobs, which the pilot manager submits
      if (spec.mode !== 'pilots') {
        workers = startWorkers(spec, files, launch, startChild);
        meta.workersPid = workers.proc.pid;
      }
      if (files.socket.length <= MAX_SOCKET_PATH) {
        bridge = startChild('bridge', spec.python, [
          join(spec.pythonDir, 'lc_dask_bridge.py'),
          'serve',
          '--socket',
          files.socket,
          '--scheduler-file',
          files.schedulerFile,
          '--tls-dir',
          files.tls,
        ]);
        meta.bridgePid = bridge.proc.pid;
      }
      saveMeta();
    }
    await monitor(spec, files, meta, saveMeta, { scheduler, workers, bridge, pilots }, () => stopReason, requestStop);
  } catch (e) {
    requestStop(`supervisor error: ${(e as Error).stack ?? String(e)}`, true);
  }
  if (stopReason?.error && meta.state === 'starting' && !existsSync(files.startFailure)) {
    const message = `the Dask scheduler did not start (${stopReason.why}); see ${files.log}`;
    writeStartFailure(files, { version: META_VERSION, code: 'SCHEDULER_START', message });
  }
  meta.state = 'stopping';
  meta.stopReason = stopReason?.why ?? 'stopped';
  if (stopReason?.error) meta.stopFailed = true;
  try {
    saveMeta();
  } catch {
    // the dir may be gone already
  }
  await shutdown({ scheduler, workers, bridge, pilots }, children);
  const clean = !stopReason?.error;
  removeState(files, clean);
  try {
    await release?.();
  } catch {
    // lock dir already gone
  }
  if (clean) {
    rmSync(files.ownerLock + '.lock', { recursive: true, force: true });
    try {
      rmdirSync(dir); // fails harmlessly if a new ensure is already using it
    } catch {
      // not empty
    }
  }
  log(`stopped (${stopReason?.why ?? 'unknown'})`);
  return stopReason?.error ? 1 : 0;
}

function childEnv(spec: SpawnSpec): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONUNBUFFERED: '1' };
  // workers must import lc_dask_task even with an old cloudpickle that cannot ship it by value
  env.PYTHONPATH = env.PYTHONPATH ? `${spec.pythonDir}:${env.PYTHONPATH}` : spec.pythonDir;
  if (!env.LC_SCHEDULER_DEBUG) env.DASK_LOGGING__DISTRIBUTED = env.DASK_LOGGING__DISTRIBUTED ?? 'warning';
  return env;
}

/** --interface when configured, else --host when given (local: loopback); else the node chooses. */
function listenArgs(spec: SpawnSpec): string[] {
  if (spec.interface) return ['--interface', spec.interface];
  return spec.bindHost ? ['--host', spec.bindHost] : [];
}

function startScheduler(
  spec: SpawnSpec,
  files: StateFiles,
  launch: string,
  startChild: (n: string, c: string, a: string[]) => Child,
  node: string | undefined,
): Child {
  const args = [
    launch,
    'scheduler',
    ...listenArgs(spec),
    '--tls-dir',
    files.tls,
    '--scheduler-file',
    files.schedulerFile,
    '--activity-file',
    files.activity,
  ];
  // local: loopback; pilots: here, on the address compute nodes reach (lc_network.py)
  if (spec.mode !== 'slurm') return startChild('scheduler', spec.python, args);
  // Inside the allocation (lc's node, else the first): every node reaches it there, wherever lc
  // runs (a salloc shell on the submit host, a login node), and the job's end takes it down.
  const srun = [
    'srun',
    '--overlap',
    '--nodes=1',
    '--ntasks=1',
    node ? `--nodelist=${node}` : '--relative=0',
    '--job-name=lc-dask-scheduler',
    spec.python,
    ...args,
  ];
  return startChild('scheduler (srun)', spec.python, [launch, 'exec', '--', ...srun]);
}

function startWorkers(
  spec: SpawnSpec,
  files: StateFiles,
  launch: string,
  startChild: (n: string, c: string, a: string[]) => Child,
): Child {
  const workerArgs = sessionWorkerArgs(spec.pythonDir, files);
  if (spec.mode === 'local') {
    return startChild('worker', spec.python, [
      ...workerArgs,
      '--host',
      '127.0.0.1',
      '--name',
      hostname(),
      '--die-with-parent',
    ]);
  }
  // in SLURM only --interface, if any: each worker chooses its own node's address
  workerArgs.push(...listenArgs(spec));
  const n = String(spec.expectedWorkers);
  // ONE step for all workers; --overlap so recipes can still run their own srun steps
  // (Lightcone #167), --whole so each worker's cgroup spans its node's whole allocation.
  const srun = [
    'srun',
    '--overlap',
    '--whole',
    `--nodes=${n}`,
    `--ntasks=${n}`,
    '--ntasks-per-node=1',
    '--kill-on-bad-exit=0',
    '--job-name=lc-dask-workers',
    spec.python,
    ...workerArgs,
  ];
  return startChild('workers (srun)', spec.python, [launch, 'exec', '--', ...srun]);
}

async function waitForAddress(
  files: StateFiles,
  scheduler: Child,
  stopping: () => boolean,
  timeoutMs: number,
): Promise<string | undefined> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end && !scheduler.exited && !stopping()) {
    try {
      const doc = JSON.parse(readFileSync(files.schedulerFile, 'utf8')) as { address?: unknown };
      if (typeof doc.address === 'string') return doc.address;
    } catch {
      // not written yet
    }
    await sleep(50);
  }
  return undefined;
}

interface Procs {
  scheduler: Child | undefined;
  workers: Child | undefined;
  bridge: Child | undefined;
  pilots?: PilotFleet | undefined;
}

async function monitor(
  spec: SpawnSpec,
  files: StateFiles,
  meta: SchedulerMeta,
  saveMeta: () => void,
  p: Procs,
  stopReason: () => unknown,
  requestStop: (why: string, error?: boolean) => void,
): Promise<void> {
  const startDeadline = Date.now() + spec.workerTimeoutS * 1000;
  let nextJobCheck = Date.now() + 5_000;
  while (!stopReason()) {
    await sleep(200);
    if (stopReason()) break;
    // first: a worker that cannot reach the scheduler is the cause of whatever follows
    const unreachable = meta.state === 'starting' ? readUnreachable(files) : [];
    if (unreachable.length > 0) {
      const failure = unreachableFailure(unreachable, files.log);
      writeStartFailure(files, failure);
      requestStop(`${failure.message}: ${failure.hint ?? ''}`, true);
      break;
    }
    if (p.scheduler?.exited) requestStop('the Dask scheduler exited', meta.state !== 'ready');
    else if (p.workers?.exited)
      requestStop(
        spec.mode === 'slurm' ? 'the worker srun step ended (allocation over?)' : 'the worker exited',
        meta.state !== 'ready',
      );
    else if (p.bridge?.exited) requestStop('the bridge exited', true);
    else {
      // A stop asked from another host, which cannot signal us: the request file is the message.
      const asked = remoteStopRequest(files, meta.startedAt);
      if (asked) requestStop(asked);
    }
    if (stopReason()) break;
    const act = readJsonFile(files.activity, ActivitySchema);
    if (p.pilots && meta.state === 'ready') {
      const fatal = await p.pilots.tick(act);
      if (fatal) {
        requestStop(fatal, true);
        break;
      }
    }
    if (meta.state === 'starting') {
      const socketOk = !p.bridge || existsSync(files.socket);
      if (act && act.workers.length >= spec.expectedWorkers && socketOk) {
        meta.state = 'ready';
        meta.readyAt = new Date().toISOString();
        if (p.bridge) meta.bridgeSocket = files.socket;
        saveMeta();
        log(`ready: ${act.workers.map((w) => w.name).join(', ')}`);
      } else if (Date.now() > startDeadline) {
        requestStop(
          `only ${act?.workers.length ?? 0} of ${spec.expectedWorkers} workers registered within ${spec.workerTimeoutS} s`,
          true,
        );
      }
    } else if (act && !act.busy && !p.pilots?.hasWork() && act.idleSince !== null && Date.now() - act.idleSince > spec.idleTimeoutS * 1000) {
      requestStop(`idle for ${spec.idleTimeoutS} s`);
    }
    if (spec.mode === 'slurm' && Date.now() >= nextJobCheck) {
      nextJobCheck = Date.now() + 10_000;
      if (await slurmJobGone(process.env.SLURM_JOB_ID ?? ''))
        requestStop(`SLURM job ${process.env.SLURM_JOB_ID} is gone`);
    }
  }
}

/**
 * A stop request written for this session (after it started) by `lc scheduler stop` on another
 * host: "stopped by ...", or undefined. Checked every loop turn (200 ms), so such a stop takes
 * effect within a fraction of a second.
 */
function remoteStopRequest(files: StateFiles, startedAt: string): string | undefined {
  if (!existsSync(files.stopRequest)) return undefined;
  const req = readJsonFile(files.stopRequest, StopRequestSchema);
  // Older than this session (allowing a minute of clock skew between nodes): a leftover.
  if (!req || Date.parse(req.at) < Date.parse(startedAt) - 60_000) return undefined;
  return `stopped by ${req.by}`;
}

/** Why a stop signal came: who wrote stop-request.json (lc scheduler stop, the TUI), else the signal. */
function stopRequestedBy(files: StateFiles, sig: NodeJS.Signals): string {
  const req = readJsonFile(files.stopRequest, StopRequestSchema);
  // a request left by an earlier stop that never signalled us does not count
  if (req && Date.now() - Date.parse(req.at) < 5 * 60_000) return `stopped by ${req.by}`;
  return `${sig} received`;
}

/** How long the warm bridge may take to cancel the runs' tasks (it gives up itself after 60 s). */
const DRAIN_MS = 70_000;

/**
 * SIGUSR2, which srun forwards to a scheduler in its step (srun answers SIGTERM by killing the
 * step at once, before the scheduler could retire its workers); a local one takes it the same.
 * SIGTERM, then SIGKILL, only if it is still there.
 */
async function stopScheduler(c: Child | undefined): Promise<void> {
  if (!c || c.exited) return;
  try {
    c.proc.kill('SIGUSR2');
  } catch {
    return;
  }
  if (!(await awaitExit(c, 25_000))) await terminate(c, 5_000);
}

async function shutdown(p: Procs, all: Child[]): Promise<void> {
  // 0. runs attached to the warm bridge: it tells them the scheduler is stopping, cancels their
  //    tasks through the scheduler (so it must still be up), waits for the results and exits
  if (p.bridge && !p.bridge.exited && p.scheduler && !p.scheduler.exited) {
    try {
      p.bridge.proc.kill('SIGUSR1');
      await awaitExit(p.bridge, DRAIN_MS);
    } catch {
      // gone already
    }
  }
  // 1. the scheduler retires its workers (they exit, so the srun step ends by itself), then closes
  await stopScheduler(p.scheduler);
  // pilot jobs, pending ones included: nothing of this session stays queued or running
  await p.pilots?.cancelAll();
  // 2. the worker step: give it time to end cleanly, then srun forwards our SIGTERM to every task
  if (!(await awaitExit(p.workers, 15_000))) await terminate(p.workers, 10_000);
  // 3. the warm bridge (its sessions are gone with the scheduler)
  await terminate(p.bridge, 3_000);
  for (const c of all) await terminate(c, 0, 'SIGKILL');
}

function removeState(files: StateFiles, clean: boolean): void {
  for (const p of [files.meta, files.schedulerFile, files.activity, files.socket, files.spawn, files.stopRequest, files.pilots])
    rmSync(p, { force: true });
  for (const p of [files.tls, files.work, files.unreachable]) rmSync(p, { recursive: true, force: true });
  // a failed start keeps its log and its reason for the lc that waits, and for the user
  if (clean) for (const p of [files.log, files.startFailure]) rmSync(p, { force: true });
  // pilot logs say why a pilot failed: kept with the scheduler log after a failure
  if (clean) rmSync(files.pilotsDir, { recursive: true, force: true });
  rmSync(join(files.dir, 'demand'), { recursive: true, force: true });
}
