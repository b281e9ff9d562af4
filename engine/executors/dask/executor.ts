/**
 * The Dask executor: the same Executor contract as the local one, with commands placed by a
 * Dask scheduler (the session scheduler, or an external one). The runner keeps writing
 * manifests, failures and events exactly as for local runs; this only runs commands.
 *
 * Per task: Dask resources {cpus, memory bytes, gpus} (only positive amounts; the bridge never
 * sends a key that no worker advertises, see fit_resources), the worker runs `/bin/sh -c` in a
 * new process group, enforces the time limit (SIGTERM, SIGKILL after graceS), writes the log
 * file itself, and reports exit code, signal, host and timings. Cancel kills the remote group.
 *
 * A session scheduler stopped under a run (`lc scheduler stop`, the TUI, the allocation's end)
 * is a cancellation, not a broken executor: the warm bridge announces it and cancels our tasks
 * (a private bridge only loses its scheduler: meta.json then says the session is stopping or
 * gone). From then on every task that did not succeed resolves as `cancelled`, and onShutdown
 * listeners (the runner) stop the run. A session that stopped because it could not go on (sbatch
 * refusing its pilots, a crashed bridge: meta.json's `stopFailed`) is told to them as a failure,
 * so the run fails instead of reporting an interruption.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage, LcError } from '../../errors.js';
import { connectBridge } from '../../scheduler/connect.js';
import { ensureScheduler, supervisorAlive, type SessionHandle } from '../../scheduler/ensure.js';
import { readMeta, sessionQueues, type PilotQueue } from '../../scheduler/meta.js';
import { queueResource, routeTask } from '../../queues/route.js';
import { PilotGate, type LiveWorker, type Work } from './pilot-gate.js';
import type { ExecRequest, ExecResult, Executor, NodeCapacity, NodeUtilisation } from '../executor.js';
import type { BridgeClient } from './bridge.js';
import { LogFollower } from './log-follower.js';
import { CapacitySchema, UtilisationSchema, type ResultMessage, type SubmitRequest } from './protocol.js';

export interface DaskExecutorOptions {
  projectRoot: string;
  env?: NodeJS.ProcessEnv;
  /** Progress for humans while a scheduler starts (cold start takes seconds). */
  onNotice?: (message: string) => void;
  /** Seconds between SIGTERM and SIGKILL when a task is stopped. Default 5. */
  graceS?: number;
  /** At most this many tasks at once (-j). */
  jobs?: number;
  /** How often running tasks' logs are read for live lines (ms). Default 250. */
  followMs?: number;
}

export interface DaskExecutor extends Executor {
  readonly name: 'dask';
  /** The scheduler this executor is attached to. */
  readonly session: SessionHandle;
}

/** Why the session scheduler stopped under us, and whether that is a failure (not a request). */
interface SessionStop {
  why: string;
  failed: boolean;
}

interface Pending {
  req: ExecRequest;
  follower: LogFollower;
  /** Handed to Dask (after `prepare`). */
  sent: boolean;
  started: boolean;
  /** Pilots: the worker it was sent to (pilot-gate.ts). */
  worker?: string;
  /** Pilots: the queue it goes to, the first of the run's that fits it (engine/queues/route.ts). */
  queue?: string;
  /** lc asked Dask to cancel it. */
  cancelAsked?: boolean;
  /** Pilots: times Dask dropped it before it started without being asked (see onResult). */
  dropped?: number;
  resolve: (r: ExecResult) => void;
  reject: (e: Error) => void;
}

/**
 * How many tasks may be handed to Dask at once: enough that every worker finds its next task
 * already queued (Dask batches messages every 2-10 ms, so a thin pipeline would idle the
 * workers), few enough that `prepare` (which empties the output dir) runs shortly before the
 * task really starts and a cancel finds most of the queue still on this side.
 */
export function admitWindow(cpuTotal: number): number {
  return Math.max(64, 8 * Math.ceil(cpuTotal));
}

export async function createDaskExecutor(opts: DaskExecutorOptions): Promise<DaskExecutor> {
  const env = opts.env ?? process.env;
  const session = await ensureScheduler({
    projectRoot: opts.projectRoot,
    env,
    onNotice: opts.onNotice,
  });
  const bridge = await connectBridge(session, opts.projectRoot, env);
  const ex = new DaskExecutorImpl(session, bridge, opts);
  try {
    // tasks see lc's environment, as with the local executor (the worker keeps its node's SLURM_*)
    bridge.send({
      op: 'env',
      env: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
    });
    await ex.refreshCapacity();
  } catch (e) {
    await ex.close();
    throw e;
  }
  return ex;
}

/** Why no node could ever run a task with these resources, or undefined when one can. */
export function whyDoesNotFit(r: ExecRequest['resources'], nodes: NodeCapacity[]): string | undefined {
  if (nodes.length === 0) return undefined; // no workers yet: Dask holds the task until one registers
  const need: [string, number, (n: NodeCapacity) => number][] = [
    ['cpus', r.cpus, (n) => n.cpus],
    ['memory', r.memoryBytes ?? 0, (n) => n.memoryBytes],
    ['gpus', r.gpus, (n) => n.gpus],
  ];
  for (const [k, v, of] of need) {
    if (v <= 0) continue;
    const best = Math.max(...nodes.map(of));
    if (k !== 'gpus' && best <= 0) continue; // workers without that resource: not tracked there
    if (v > best) return `needs ${k}=${v}${k === 'memory' ? ' bytes' : ''}; the largest Dask worker offers ${best}`;
  }
  return undefined;
}

/**
 * Only positive amounts travel: a zero `gpus` must not make Dask look for a gpus key. A pilots
 * task also asks for one unit of its queue's resource: only that queue's workers run it.
 */
export function daskResources(r: ExecRequest['resources'], queue?: string): SubmitRequest['resources'] {
  const out: SubmitRequest['resources'] = {};
  if (r.cpus > 0) out.cpus = r.cpus;
  if (r.memoryBytes !== undefined && r.memoryBytes > 0) out.memory = r.memoryBytes;
  if (r.gpus > 0) out.gpus = r.gpus;
  if (queue !== undefined) out[queueResource(queue)] = 1;
  return out;
}

class DaskExecutorImpl implements DaskExecutor {
  readonly name = 'dask' as const;
  /** prepare() runs when a task is handed to Dask (see admitWindow), not at submit. */
  readonly callsPrepare = true;
  private pending = new Map<string, Pending>();
  private queue: Pending[] = [];
  private inflight = 0;
  private pumping = false;
  private nodes: NodeCapacity[] = [];
  private cpuTotal = 0;
  private timer: NodeJS.Timeout | undefined;
  private broken: LcError | undefined;
  /** Set once the session scheduler is known to be stopping: why, for humans. */
  private shutdown: string | undefined;
  private shutdownCbs: ((why: string, failed: boolean) => void)[] = [];
  /** Pilots mode: tasks go to Dask as live workers have room (pilot-gate.ts). */
  private readonly gate: PilotGate | undefined;
  /** Pilots: the queues this run routes to, in order. */
  private readonly queues: PilotQueue[];
  /**
   * An allocation's session: its own workers (no queue) take any task, beside the pilots of the
   * queues this run asked for, which take their queue's tasks only.
   */
  private readonly mixed: boolean;
  /** Mixed: the allocation's nodes, and the addresses of its workers as last seen. */
  private ownNodes: NodeCapacity[] = [];
  private ownWorkers = new Set<string>();
  /**
   * Whether tasks ask for their queue's resource: only when the session's supervisor knows
   * queues (its meta lists them), as its workers then advertise theirs; an older one's do not,
   * and a task asking for it would wait for ever.
   */
  private readonly tagQueues: boolean;

  constructor(
    readonly session: SessionHandle,
    private readonly bridge: BridgeClient,
    private readonly opts: DaskExecutorOptions,
  ) {
    this.mixed = session.mode === 'slurm';
    // in an allocation only a run that asks for queues uses pilots, whatever the session has
    this.queues = this.mixed ? (session.queues ?? []) : (session.queues ?? sessionQueues(session.meta));
    // the allocation's workers advertise no queue: a task asking for one would shun them
    this.tagQueues = !this.mixed && session.meta?.queues !== undefined;
    if (this.queues.length > 0 && session.files) {
      // queues the session did not start with: its supervisor adds them when it reads our demand
      const mine = sessionQueues(session.meta).map((q) => q.name);
      const add = this.queues.filter((q) => !mine.includes(q.name));
      // a worker that names no queue is an older pilot's: the session's first queue's (in an
      // allocation: one of its own nodes)
      const first = this.mixed ? undefined : mine[0];
      this.gate = new PilotGate(join(session.files.dir, 'demand'), () => this.liveWorkers(first), () => this.unfinishedWork(), () => this.pump(), add);
    }
    bridge.onStarted((m) => (m.again ? this.onStartedAgain(m.id, m.host, m.startedAt) : this.onStarted(m.id, m.host, m.startedAt)));
    bridge.onResult((m) => this.onResult(m));
    bridge.onStopping(() => this.enterShutdown(this.sessionStop() ?? { why: 'the session scheduler was stopped', failed: false }));
    bridge.onClose((e) => this.onBridgeClosed(e));
  }

  onShutdown(cb: (why: string, failed: boolean) => void): () => void {
    this.shutdownCbs.push(cb);
    return () => {
      this.shutdownCbs = this.shutdownCbs.filter((c) => c !== cb);
    };
  }

  private onBridgeClosed(e: LcError | undefined): void {
    if (e && this.shutdown === undefined) {
      const stop = this.sessionStop();
      if (stop !== undefined) this.enterShutdown(stop);
    }
    this.stopTimer();
    if (e && this.shutdown !== undefined) {
      // the stop ended whatever we still waited for: cancelled, like the tasks it killed
      for (const p of [...this.pending.values()]) this.finishLocally(p, 'cancelled', this.shutdown);
    }
    this.broken = e ?? new LcError('DASK_BRIDGE_CLOSED', 'the Dask executor was closed');
    for (const p of this.pending.values()) p.reject(this.broken);
    this.pending.clear();
    this.queue = [];
  }

  /**
   * Is our session scheduler stopping, or stopped? Its meta.json says so (state `stopping`, with
   * the reason and whether it is a failure), or is gone, or belongs to a newer session; or its
   * supervisor died without a word (kill -9, the OOM killer: its children die with it). Undefined
   * when it still runs as far as we can tell, and for an external scheduler (not ours to judge).
   */
  private sessionStop(): SessionStop | undefined {
    const files = this.session.files;
    const ours = this.session.meta;
    if (!files || !ours) return undefined;
    const meta = readMeta(files);
    const stopped = { why: 'the session scheduler was stopped', failed: false };
    if (!meta || !existsSync(files.meta)) return stopped;
    if (meta.pid !== ours.pid || meta.startedAt !== ours.startedAt) return stopped;
    if (meta.state !== 'stopping') {
      if (supervisorAlive(meta, files)) return undefined;
      return { why: `the session scheduler died (its supervisor, pid ${meta.pid}, is gone; see ${files.log})`, failed: true };
    }
    const why = meta.stopReason ?? '';
    if (meta.stopFailed) return { why: why ? `the session scheduler failed (${why})` : 'the session scheduler failed', failed: true };
    if (why.startsWith('stopped by ')) return { why: `the session scheduler was ${why}`, failed: false };
    return why ? { why: `the session scheduler was stopped (${why})`, failed: false } : stopped;
  }

  /** From now on nothing new goes to Dask, and every task that does not succeed was cancelled by the stop. */
  private enterShutdown(stop: SessionStop): void {
    if (this.shutdown !== undefined) return;
    this.shutdown = stop.why;
    const waiting = this.queue;
    this.queue = [];
    for (const p of waiting) this.finishLocally(p, 'cancelled', stop.why);
    for (const cb of this.shutdownCbs) cb(stop.why, stop.failed);
  }

  async capacity(): Promise<NodeCapacity[]> {
    // pilots: what the queues' pilots will bring (workers come and go with them)
    if (this.queues.length > 0 && !this.mixed) return this.queues.map(pilotNode);
    const c = await this.bridge.query('capacity', CapacitySchema);
    const own = c.filter((w) => w.queue === undefined).map((w) => ({ host: w.host, cpus: w.cpus, memoryBytes: w.memoryBytes, gpus: w.gpus }));
    if (!this.mixed) return own;
    this.ownNodes = own;
    return [...own, ...this.queues.map(pilotNode)];
  }

  /** The live workers (pilots come and go), each with its queue (`untagged`: that of a worker naming none). */
  private async liveWorkers(untagged: string | undefined): Promise<LiveWorker[]> {
    const c = await this.bridge.query('capacity', CapacitySchema);
    if (this.mixed) this.ownWorkers = new Set(c.filter((w) => w.queue === undefined).map((w) => w.address));
    return c.map((w) => {
      const queue = w.queue ?? untagged;
      const q = this.queues.find((x) => x.name === queue);
      const lifetimeMs = q ? (q.walltimeS - q.lifetimeMarginS) * 1000 : undefined;
      return {
        address: w.address,
        cpus: w.cpus,
        gpus: w.gpus,
        ...(queue !== undefined ? { queue } : {}),
        ...(w.retiresAt !== undefined && lifetimeMs !== undefined ? { retiresAt: w.retiresAt, lifetimeMs } : {}),
      };
    });
  }

  /** What this executor still has to run, in all and per queue: queued here, or sent and not finished. */
  private unfinishedWork(): Work {
    const all = { tasks: 0, cpus: 0, gpus: 0 };
    const queues: Record<string, { tasks: number; cpus: number; gpus: number }> = {};
    for (const p of this.pending.values()) {
      // in an allocation, what its own nodes took is no pilot's work
      if (p.worker !== undefined && this.ownWorkers.has(p.worker)) continue;
      const per = p.queue !== undefined ? (queues[p.queue] ??= { tasks: 0, cpus: 0, gpus: 0 }) : undefined;
      for (const w of per ? [all, per] : [all]) {
        w.tasks++;
        w.cpus += p.req.resources.cpus;
        w.gpus += p.req.resources.gpus;
      }
    }
    return { ...all, queues };
  }

  async refreshCapacity(): Promise<void> {
    this.nodes = await this.capacity();
    this.cpuTotal = this.nodes.reduce((a, n) => a + n.cpus, 0);
  }

  cpuSeconds(): number {
    return this.cpuS;
  }
  private cpuS = 0;

  submit(req: ExecRequest): Promise<ExecResult> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.shutdown !== undefined) {
      const now = Date.now();
      return Promise.resolve({
        id: req.id,
        host: '',
        startedAt: now,
        finishedAt: now,
        exitCode: null,
        signal: null,
        reason: 'cancelled',
        detail: this.shutdown,
      });
    }
    if (this.pending.has(req.id))
      return Promise.reject(new LcError('DASK_DUPLICATE', `task ${req.id} is already submitted`));
    return new Promise<ExecResult>((resolve, reject) => {
      const p: Pending = {
        req,
        follower: new LogFollower(req.logPath, req.onLine),
        sent: false,
        started: false,
        resolve,
        reject,
      };
      if (this.queues.length > 0) {
        const q = routeTask(req.resources, this.queues);
        if (q) p.queue = q.name;
      }
      this.pending.set(req.id, p);
      this.queue.push(p);
      this.gate?.wake();
      void this.pump();
    });
  }

  /** Hand queued tasks to Dask while the cluster has room (see admitWindow); FIFO (per queue with pilots). */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    // pilots: queues whose next task found no worker with room this time round
    const blocked = new Set<string>();
    try {
      while (this.queue.length > 0 && !this.broken) {
        if (this.opts.jobs !== undefined && this.inflight >= this.opts.jobs) break;
        const p = this.gate ? this.placeNext(blocked) : this.queue[0];
        if (!p || (!this.gate && this.inflight >= admitWindow(this.cpuTotal))) break;
        if (this.queue[0] === p) this.queue.shift();
        else this.queue = this.queue.filter((x) => x !== p);
        const why = this.refusal(p);
        if (why) {
          this.finishLocally(p, 'does_not_fit', why);
          continue;
        }
        try {
          await p.req.prepare?.();
        } catch (e) {
          this.finishLocally(p, 'spawn_error', errorMessage(e));
          continue;
        }
        if (!this.pending.has(p.req.id)) continue; // cancelled during prepare
        this.send(p);
      }
    } finally {
      this.pumping = false;
    }
  }

  /**
   * Pilots: the first queued task a live worker of its queue has room for (named its worker),
   * in order within each queue; a queue whose next task waits holds its later ones back, but
   * not the other queues' (small tasks run while a big one waits for its pilot). A task that
   * fits no queue comes out at once, to be refused.
   */
  private placeNext(blocked: Set<string>): Pending | undefined {
    const gate = this.gate as PilotGate;
    // in an allocation a task of no queue waits for its own nodes, if one can hold it
    const groups = this.queues.length + (this.mixed ? 1 : 0);
    for (const p of this.queue) {
      if (p.queue === undefined && (!this.mixed || whyDoesNotFit(p.req.resources, this.ownNodes))) return p;
      const group = p.queue ?? '';
      if (blocked.has(group)) {
        if (blocked.size >= groups) return undefined;
        continue;
      }
      const w = gate.place(p.req.resources, p.queue);
      if (w !== undefined) {
        p.worker = w;
        return p;
      }
      blocked.add(group);
    }
    return undefined;
  }

  /** Why a task can run nowhere: on no node (of its queue, with pilots; of the allocation, for one fitting no queue). */
  private refusal(p: Pending): string | undefined {
    if (this.queues.length === 0 || p.queue !== undefined) return whyDoesNotFit(p.req.resources, this.nodes);
    return this.mixed ? whyDoesNotFit(p.req.resources, this.ownNodes) : this.fitsNoQueue(p);
  }

  /** Why a task fits none of the run's queues (the runner refuses such a run before it starts). */
  private fitsNoQueue(p: Pending): string {
    const r = p.req.resources;
    const asked = [`cpus=${r.cpus}`, ...(r.memoryBytes ? [`memory=${r.memoryBytes} bytes`] : []), ...(r.gpus ? [`gpus=${r.gpus}`] : [])].join(' ');
    return `needs ${asked}; no node of queue ${this.queues.map((q) => q.name).join(', ')} has that much`;
  }

  private send(p: Pending): void {
    const req = p.req;
    const msg: SubmitRequest = {
      op: 'submit',
      id: req.id,
      command: req.command,
      cwd: req.cwd,
      env: req.env,
      resources: daskResources(req.resources, this.tagQueues ? p.queue : undefined),
      logPath: req.logPath,
      graceS: this.opts.graceS ?? 5,
      ...(req.resources.timeLimitS ? { timeLimitS: req.resources.timeLimitS } : {}),
      ...(p.worker ? { worker: p.worker } : {}),
    };
    try {
      this.bridge.send(msg);
      p.sent = true;
      this.inflight++;
      if (p.worker) this.gate?.sent(req.resources, p.worker);
    } catch (e) {
      this.pending.delete(req.id);
      p.reject(e as Error);
    }
  }

  /** End a task that never reached Dask. */
  private finishLocally(p: Pending, reason: ExecResult['reason'], detail: string): void {
    this.pending.delete(p.req.id);
    const now = Date.now();
    p.resolve({
      id: p.req.id,
      host: '',
      startedAt: now,
      finishedAt: now,
      exitCode: null,
      signal: null,
      reason,
      detail,
    });
  }

  cancel(id: string, opts?: { force?: boolean }): void {
    const p = this.pending.get(id);
    if (!p) return;
    if (!p.sent) {
      this.queue = this.queue.filter((q) => q !== p);
      this.finishLocally(p, 'cancelled', 'cancelled before it started');
      return;
    }
    p.cancelAsked = true;
    // a stopping session cancels every task of ours itself
    if (!this.bridge.closed && this.shutdown === undefined)
      this.bridge.send({ op: 'cancel', id, force: Boolean(opts?.force) });
  }

  async utilisation(): Promise<NodeUtilisation[]> {
    const u = await this.bridge.query('utilisation', UtilisationSchema);
    return u.map((w) => ({
      host: w.host,
      cpuPercent: w.cpuPercent,
      memoryUsedBytes: w.memoryUsedBytes,
      memoryTotalBytes: w.memoryTotalBytes,
      gpuPercent: w.gpuPercent,
      runningTasks: w.runningTasks,
      cpusInUse: w.cpusInUse,
      cpusTotal: w.cpusTotal,
      gpusInUse: w.gpusInUse,
      gpusTotal: w.gpusTotal,
    }));
  }

  async close(): Promise<void> {
    this.stopTimer();
    this.gate?.close();
    await this.bridge.close();
  }

  private onStarted(id: string, host: string, startedAt: number): void {
    const p = this.pending.get(id);
    if (!p || p.started) return;
    p.started = true;
    p.req.onStart?.({ host, startedAt });
    this.startTimer();
  }

  /** Dask runs the task again elsewhere: the worker it ran on was lost (a pilot ended, a node failed). */
  private onStartedAgain(id: string, host: string, startedAt: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    if (!p.started) return this.onStarted(id, host, startedAt);
    p.req.onRestart?.({ host, startedAt, why: 'the worker it ran on was lost' });
  }

  private onResult(m: ResultMessage): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    const succeeded = m.reason === 'exit' && m.exitCode === 0;
    // a private bridge is not told about a stop: a task that ended badly may be its first sign
    if (!succeeded && this.shutdown === undefined) {
      const stop = this.sessionStop();
      if (stop !== undefined) this.enterShutdown(stop);
    }
    if (!succeeded && this.shutdown !== undefined) m = { ...m, reason: 'cancelled', detail: this.shutdown };
    if (this.requeueDropped(p, m)) return;
    this.pending.delete(m.id);
    if (p.sent) {
      this.inflight--;
      if (p.worker) this.gate?.done(p.req.resources, p.worker);
      if (p.started || m.reason === 'exit') this.gate?.took(Math.max(0, m.finishedAt - m.startedAt));
    }
    if (m.cpuS) this.cpuS += m.cpuS;
    if (!p.started && m.reason !== 'does_not_fit' && m.reason !== 'spawn_error' && m.reason !== 'cancelled') {
      // the start event can trail the result on a fast task: report the start first
      p.req.onStart?.({ host: m.host, startedAt: m.startedAt });
    }
    p.follower.poll(true);
    if (!p.follower.visible() && m.tail && m.tail.length > 0) {
      p.follower.writeFallback(
        m.tail,
        `log written on ${m.host} is not visible here (no shared filesystem?); last lines:`,
      );
    }
    const r: ExecResult = {
      id: m.id,
      host: m.host,
      startedAt: m.startedAt,
      finishedAt: m.finishedAt,
      exitCode: m.exitCode,
      signal: m.signal,
      reason: m.reason,
      ...(m.detail ? { detail: m.detail } : {}),
      ...(m.cpuS !== null && m.cpuS !== undefined ? { cpuS: m.cpuS } : {}),
    };
    p.resolve(r);
    if (![...this.pending.values()].some((x) => x.started)) this.stopTimer();
    void this.pump();
  }

  /**
   * Pilots: a task Dask cancelled before it started, which nobody asked to cancel, while pilot
   * workers came and went, ran nowhere: it goes back to the front of the queue (twice at most)
   * instead of being reported as cancelled.
   */
  private requeueDropped(p: Pending, m: ResultMessage): boolean {
    if (!this.gate || p.started || p.cancelAsked || this.shutdown !== undefined || m.reason !== 'cancelled') return false;
    if ((p.dropped ?? 0) >= 2) return false;
    p.dropped = (p.dropped ?? 0) + 1;
    p.sent = false;
    this.inflight--;
    if (p.worker) this.gate.done(p.req.resources, p.worker);
    delete p.worker;
    this.queue.unshift(p);
    void this.pump();
    return true;
  }

  private startTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      for (const p of this.pending.values()) if (p.started) p.follower.poll();
    }, this.opts.followMs ?? 250);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** A node of the queue's pilots: its shape is what a task is checked against (`queue cpu` names it in refusals). */
function pilotNode(q: PilotQueue): NodeCapacity {
  const memoryBytes = q.memoryBytes ?? Number.MAX_SAFE_INTEGER;
  return { host: `queue ${q.name}`, cpus: q.cpus, memoryBytes, gpus: q.gpus };
}
