/**
 * The embedded executor: runs task commands on this machine with `/bin/sh -c` (bash when the
 * command uses bash-only syntax), each in its own process group so a stop reaches every process
 * a recipe started, and bin-packs them onto the node's cpus/memory/GPUs (SlotPool).
 *
 * Hot path (10,000 trivial tasks must not cost much more than make): the task's stdout/stderr
 * go straight to its log file, no pipes through Node; tasks are forked by a small launcher
 * process, not by lc's big one (spawner.ts); placing a task, reserving its slot and handing
 * it to the launcher are synchronous; the next queued task starts right after the runner has
 * seen the previous one's result.
 */
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { ExecRequest, ExecResult, Executor, NodeCapacity, NodeUtilisation } from '../executor.js';
import { detectLocalCapacity, type LocalCapacity } from './capacity.js';
import { LogTail } from './log-tail.js';
import { formatBytes } from '../../units.js';
import { describeRequest, SlotPool, type Allocation } from './slots.js';
import { createSpawner } from './spawner.js';
import { createUtilisationSampler } from './utilisation.js';
import { errorMessage } from '../../errors.js';
import { logHeader } from '../log-header.js';

export { detectLocalCapacity, type LocalCapacity } from './capacity.js';
export { describeRequest, SlotPool } from './slots.js';
export { createSpawner, type Spawner } from './spawner.js';

export interface LocalExecutorOptions {
  /** Max concurrent tasks (-j). Default: no cap beyond the node's resources. */
  jobs?: number;
  /** Extra environment for every task (on top of this process's). */
  env?: NodeJS.ProcessEnv;
  /** Override detected capacity (tests, or a user who wants to leave room). */
  capacity?: Partial<Pick<LocalCapacity, 'cpus' | 'memoryBytes' | 'gpuIds'>>;
  /** Time between SIGTERM and SIGKILL on time limit / cancel. Default 10 s or LIGHTCONE_KILL_GRACE_S. */
  killGraceMs?: number;
  /** How often running tasks' logs are read for streaming. Default 250 ms. */
  pollMs?: number;
}

interface Queued {
  req: ExecRequest;
  resolve: (r: ExecResult) => void;
  /** Times a later task was started ahead of this one (anti-starvation). */
  bypassed: number;
}

interface Running {
  req: ExecRequest;
  resolve: (r: ExecResult) => void;
  alloc: Allocation;
  pgid: number;
  startedAt: number;
  tail: LogTail | null;
  /** Log size at exit, when the spawner reported it. */
  logBytes?: number;
  /** Set when we asked it to stop, so a signal death is reported as what it was. */
  stopReason: 'time_limit' | 'cancelled' | null;
  limitTimer: NodeJS.Timeout | null;
  killTimer: NodeJS.Timeout | null;
  done: boolean;
}

/** Recipes using bash-only syntax get bash; everything else the POSIX shell. */
const BASHISMS = /\[\[|<\(|>\(|&>|\bpipefail\b|\$'|\{[0-9a-zA-Z]+\.\.[0-9a-zA-Z]+\}|\bfunction\s+\w+|\bsource\s/;
let bashPath: string | null | undefined;
export function shellFor(command: string): string {
  if (!BASHISMS.test(command)) return '/bin/sh';
  if (bashPath === undefined) bashPath = ['/bin/bash', '/usr/bin/bash'].find((p) => existsSync(p)) ?? null;
  return bashPath ?? '/bin/sh';
}

/** CPU seconds of reaped children (ours and theirs), from /proc/self/stat; 0 when unavailable. */
function childrenCpuSeconds(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the `(comm)`, which may contain spaces: state is field 3, cutime 16, cstime 17.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[13]) + Number(rest[14])) / 100;
  } catch {
    return 0;
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  if (pgid <= 0) return;
  try {
    process.kill(-pgid, signal);
  } catch {
    // Group already gone.
  }
}

export async function createLocalExecutor(opts: LocalExecutorOptions = {}): Promise<Executor & { capacityInfo: LocalCapacity }> {
  const detected = await detectLocalCapacity(opts.env ? { ...process.env, ...opts.env } : process.env);
  const cap: LocalCapacity = {
    ...detected,
    ...(opts.capacity?.cpus !== undefined ? { cpus: opts.capacity.cpus } : {}),
    ...(opts.capacity?.memoryBytes !== undefined ? { memoryBytes: opts.capacity.memoryBytes } : {}),
    ...(opts.capacity?.gpuIds !== undefined ? { gpuIds: opts.capacity.gpuIds, gpus: opts.capacity.gpuIds.length } : {}),
  };
  // Without -j the resources are the limit; tasks declaring `cpus: 0` reserve none, so a cap
  // still keeps a sweep of them from starting thousands of processes at once.
  const maxTasks = opts.jobs !== undefined && opts.jobs > 0 ? opts.jobs : Math.max(4, Math.ceil(cap.cpus) * 8);
  const pool = new SlotPool({ cpus: cap.cpus, memoryBytes: cap.memoryBytes, gpuIds: cap.gpuIds, maxTasks });
  const graceEnv = Number(process.env.LIGHTCONE_KILL_GRACE_S);
  const killGraceMs = opts.killGraceMs ?? (Number.isFinite(graceEnv) && graceEnv >= 0 ? graceEnv * 1000 : 10_000);
  const pollMs = opts.pollMs ?? 250;
  const baseEnv: NodeJS.ProcessEnv = { ...process.env, ...(opts.env ?? {}) };
  const host = cap.host;
  const cpuAtStart = childrenCpuSeconds();
  const spawner = createSpawner(baseEnv);
  /** CPU seconds the launcher reported per task (the direct spawner's children show in /proc instead). */
  let taskCpu = 0;
  const sampler = createUtilisationSampler(cap.gpus > 0);

  let queue: Queued[] = [];
  let head = 0;
  const running = new Map<string, Running>();
  let pollTimer: NodeJS.Timeout | null = null;
  let closed = false;

  const ensurePolling = () => {
    if (pollTimer) return;
    pollTimer = setInterval(() => {
      for (const r of running.values()) r.tail?.poll(false);
      if (running.size === 0 && pollTimer) {
        clearInterval(pollTimer);
        pollTimer = null;
      }
    }, pollMs);
    pollTimer.unref();
  };

  /** Variables a task gets on top of the base environment. */
  const taskEnv = (req: ExecRequest, alloc: Allocation): Record<string, string> => {
    const env: Record<string, string> = { ...req.env };
    const threads = String(Math.max(1, Math.ceil(req.resources.cpus)));
    env.LIGHTCONE_CPUS = threads;
    // Keep numeric libraries from starting one thread per core of the machine.
    if (baseEnv.OMP_NUM_THREADS === undefined && req.env.OMP_NUM_THREADS === undefined) env.OMP_NUM_THREADS = threads;
    // A task that asked for no GPU must not grab one another task was given.
    if (cap.gpus > 0) env.CUDA_VISIBLE_DEVICES = alloc.gpuIds.join(',');
    return env;
  };

  const finish = (r: Running, result: Omit<ExecResult, 'id' | 'host' | 'startedAt' | 'finishedAt'>) => {
    if (r.done) return;
    r.done = true;
    if (r.limitTimer) clearTimeout(r.limitTimer);
    if (r.killTimer) clearTimeout(r.killTimer);
    // Whatever the recipe left behind in its group dies with it when we were stopping it.
    if (r.stopReason) {
      killGroup(r.pgid, 'SIGKILL');
      r.req.afterStop?.();
    }
    r.tail?.poll(true, r.logBytes);
    r.tail?.close();
    running.delete(r.req.id);
    pool.give(r.alloc);
    r.resolve({ id: r.req.id, host, startedAt: r.startedAt, finishedAt: Date.now(), ...result });
    // Start the next task one microtask later: after the runner's continuation of this result
    // (which may cancel queued tasks after a failure), before its slower bookkeeping (manifest
    // writing), so the slot is refilled at once.
    queueMicrotask(pump);
  };

  const requestStop = (r: Running, why: 'time_limit' | 'cancelled', force: boolean) => {
    if (r.done) return;
    if (!r.stopReason) r.stopReason = why;
    if (force || killGraceMs === 0) {
      killGroup(r.pgid, 'SIGKILL');
      return;
    }
    killGroup(r.pgid, 'SIGTERM');
    if (!r.killTimer) r.killTimer = setTimeout(() => killGroup(r.pgid, 'SIGKILL'), killGraceMs);
  };

  const spawnIt = (r: Running) => {
    const { req } = r;
    const header = logHeader(req.id, host, new Date(), req.command);
    // The launcher's child creates the log itself (no file creation on lc's event loop); the
    // direct spawner hands the child a descriptor, so it needs the file open here.
    let logFd = -1;
    if (spawner.kind === 'direct') {
      try {
        logFd = openSync(req.logPath, 'w');
        writeSync(logFd, header);
      } catch (e) {
        finish(r, { exitCode: null, signal: null, reason: 'spawn_error', detail: `cannot open log ${req.logPath}: ${errorMessage(e)}` });
        return;
      }
    }
    r.tail = req.onLine ? new LogTail(req.logPath, Buffer.byteLength(header), (line) => req.onLine?.('stdout', line)) : null;
    spawner.spawn(
      {
        command: req.command,
        shell: shellFor(req.command),
        cwd: req.cwd,
        env: taskEnv(req, r.alloc),
        logPath: req.logPath,
        logFd,
        header,
      },
      {
        started: (pid) => {
          r.pgid = pid;
          r.startedAt = Date.now();
          // Cancelled while the launcher was starting it: it never really ran.
          if (r.stopReason) return killGroup(pid, 'SIGKILL');
          const limit = req.resources.timeLimitS;
          if (limit !== undefined && limit > 0) {
            r.limitTimer = setTimeout(() => requestStop(r, 'time_limit', false), limit * 1000);
          }
          if (r.tail) ensurePolling();
          req.onStart?.({ host, startedAt: r.startedAt, pid });
        },
        exited: (code, signal, cpuS, logBytes) => {
          if (cpuS !== undefined) taskCpu += cpuS;
          r.logBytes = logBytes;
          finish(r, { exitCode: code, signal, reason: r.stopReason ?? (signal ? 'signal' : 'exit'), cpuS });
        },
        failed: (message) => finish(r, { exitCode: null, signal: null, reason: 'spawn_error', detail: message }),
      },
    );
    // The child holds its own copy now.
    if (logFd >= 0) closeSync(logFd);
  };

  const start = (q: Queued) => {
    const alloc = pool.take(q.req.resources);
    const r: Running = {
      req: q.req,
      resolve: q.resolve,
      alloc,
      pgid: 0,
      startedAt: Date.now(),
      tail: null,
      stopReason: null,
      limitTimer: null,
      killTimer: null,
      done: false,
    };
    running.set(q.req.id, r);
    let prepared: void | Promise<void>;
    try {
      prepared = q.req.prepare?.();
    } catch (e) {
      finish(r, { exitCode: null, signal: null, reason: 'spawn_error', detail: errorMessage(e) });
      return;
    }
    if (prepared && typeof (prepared as Promise<void>).then === 'function') {
      (prepared as Promise<void>).then(
        () => (r.stopReason ? finish(r, { exitCode: null, signal: null, reason: 'cancelled' }) : spawnIt(r)),
        (e: unknown) => finish(r, { exitCode: null, signal: null, reason: 'spawn_error', detail: errorMessage(e) }),
      );
    } else {
      spawnIt(r);
    }
  };

  /** Start every queued task that fits, oldest first; small ones may pass a big one that waits. */
  const pump = () => {
    if (closed) return;
    const limit = pool.total.maxTasks;
    let i = head;
    let scanned = 0;
    while (i < queue.length && pool.runningTasks < limit && scanned < 64) {
      const q = queue[i] as Queued;
      if (pool.fits(q.req.resources)) {
        if (i === head) {
          head++;
          i = head;
        } else {
          queue.splice(i, 1);
          (queue[head] as Queued).bypassed++;
        }
        start(q);
        continue; // same i: the next entry moved here (or head moved)
      }
      // A task passed over many times gets the node to itself next: stop backfilling.
      if (i === head && q.bypassed >= 16) break;
      i++;
      scanned++;
    }
    if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
  };

  const executor: Executor & { capacityInfo: LocalCapacity } = {
    name: 'local',
    callsPrepare: true,
    capacityInfo: cap,
    async capacity(): Promise<NodeCapacity[]> {
      return [{ host, cpus: cap.cpus, memoryBytes: cap.memoryBytes, gpus: cap.gpus }];
    },
    submit(req: ExecRequest): Promise<ExecResult> {
      return new Promise<ExecResult>((resolve) => {
        const now = Date.now();
        const never = pool.neverFits(req.resources);
        if (never !== null || closed) {
          const detail = closed
            ? 'the executor is closed'
            : `task ${req.id} requests ${describeRequest(req.resources)} but this node (${host}) has ` +
              `cpus=${cap.cpus} memory=${formatBytes(cap.memoryBytes)} gpus=${cap.gpus} (${never})`;
          resolve({
            id: req.id,
            host,
            startedAt: now,
            finishedAt: now,
            exitCode: null,
            signal: null,
            reason: closed ? 'cancelled' : 'does_not_fit',
            detail,
          });
          return;
        }
        queue.push({ req, resolve, bypassed: 0 });
        pump();
      });
    },
    cancel(id: string, o: { force?: boolean } = {}): void {
      const r = running.get(id);
      if (r) {
        requestStop(r, 'cancelled', o.force === true);
        return;
      }
      for (let i = head; i < queue.length; i++) {
        const q = queue[i] as Queued;
        if (q.req.id !== id) continue;
        queue.splice(i, 1);
        const now = Date.now();
        q.resolve({ id, host, startedAt: now, finishedAt: now, exitCode: null, signal: null, reason: 'cancelled' });
        return;
      }
    },
    async utilisation(): Promise<NodeUtilisation[]> {
      const s = await sampler.sample();
      return [
        {
          host,
          cpuPercent: s.cpuPercent,
          memoryUsedBytes: s.memoryUsedBytes,
          memoryTotalBytes: cap.memoryBytes,
          gpuPercent: s.gpuPercent.length ? s.gpuPercent : cap.gpuIds.map(() => 0),
          runningTasks: [...running.keys()],
          cpusInUse: pool.cpusInUse,
          cpusTotal: cap.cpus,
          gpusInUse: pool.gpusInUse,
          gpusTotal: cap.gpus,
        },
      ];
    },
    cpuSeconds(): number {
      return spawner.kind === 'direct' ? Math.max(0, childrenCpuSeconds() - cpuAtStart) : taskCpu;
    },
    async close(): Promise<void> {
      closed = true;
      const waiting = queue.slice(head);
      queue = [];
      head = 0;
      const now = Date.now();
      for (const q of waiting) {
        q.resolve({ id: q.req.id, host, startedAt: now, finishedAt: now, exitCode: null, signal: null, reason: 'cancelled' });
      }
      for (const r of running.values()) requestStop(r, 'cancelled', true);
      if (pollTimer) clearInterval(pollTimer);
      pollTimer = null;
      await spawner.close();
    },
  };
  return executor;
}
