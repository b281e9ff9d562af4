/**
 * The Dask executor: the same Executor contract as the local one, with commands placed by a
 * Dask scheduler (the session scheduler, or an external one). The runner keeps writing
 * manifests, failures and events exactly as for local runs; this only runs commands.
 *
 * Per task: Dask resources {cpus, memory bytes, gpus} (only positive amounts; the bridge never
 * sends a key that no worker advertises, see fit_resources), the worker runs `/bin/sh -c` in a
 * new process group, enforces the time limit (SIGTERM, SIGKILL after graceS), writes the log
 * file itself, and reports exit code, signal, host and timings. Cancel kills the remote group.
 */
import { LcError } from '../../errors.js';
import { connectBridge } from '../../scheduler/connect.js';
import { ensureScheduler, type SessionHandle } from '../../scheduler/ensure.js';
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
  /** How often running tasks' logs are read for live lines (ms). Default 250. */
  followMs?: number;
}

export interface DaskExecutor extends Executor {
  readonly name: 'dask';
  /** The scheduler this executor is attached to. */
  readonly session: SessionHandle;
}

interface Pending {
  req: ExecRequest;
  follower: LogFollower;
  started: boolean;
  resolve: (r: ExecResult) => void;
  reject: (e: Error) => void;
}

export async function createDaskExecutor(opts: DaskExecutorOptions): Promise<DaskExecutor> {
  const env = opts.env ?? process.env;
  const session = await ensureScheduler({ projectRoot: opts.projectRoot, env, ...(opts.onNotice ? { onNotice: opts.onNotice } : {}) });
  const bridge = await connectBridge(session, opts.projectRoot, env);
  return new DaskExecutorImpl(session, bridge, opts);
}

/** Only positive amounts travel: a zero `gpus` must not make Dask look for a gpus key. */
export function daskResources(r: ExecRequest['resources']): SubmitRequest['resources'] {
  const out: SubmitRequest['resources'] = {};
  if (r.cpus > 0) out.cpus = r.cpus;
  if (r.memoryBytes !== undefined && r.memoryBytes > 0) out.memory = r.memoryBytes;
  if (r.gpus > 0) out.gpus = r.gpus;
  return out;
}

class DaskExecutorImpl implements DaskExecutor {
  readonly name = 'dask' as const;
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private broken: LcError | undefined;

  constructor(
    readonly session: SessionHandle,
    private readonly bridge: BridgeClient,
    private readonly opts: DaskExecutorOptions,
  ) {
    bridge.onStarted((m) => this.onStarted(m.id, m.host, m.startedAt));
    bridge.onResult((m) => this.onResult(m));
    bridge.onClose((e) => {
      this.broken = e ?? new LcError('DASK_BRIDGE_CLOSED', 'the Dask executor was closed');
      for (const p of this.pending.values()) p.reject(this.broken);
      this.pending.clear();
      this.stopTimer();
    });
  }

  async capacity(): Promise<NodeCapacity[]> {
    const c = await this.bridge.query('capacity', CapacitySchema);
    return c.map((w) => ({ host: w.host, cpus: w.cpus, memoryBytes: w.memoryBytes, gpus: w.gpus }));
  }

  submit(req: ExecRequest): Promise<ExecResult> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.pending.has(req.id)) return Promise.reject(new LcError('DASK_DUPLICATE', `task ${req.id} is already submitted`));
    return new Promise<ExecResult>((resolve, reject) => {
      this.pending.set(req.id, { req, follower: new LogFollower(req.logPath, req.onLine), started: false, resolve, reject });
      const msg: SubmitRequest = {
        op: 'submit',
        id: req.id,
        command: req.command,
        cwd: req.cwd,
        env: req.env,
        resources: daskResources(req.resources),
        logPath: req.logPath,
        graceS: this.opts.graceS ?? 5,
        ...(req.resources.timeLimitS ? { timeLimitS: req.resources.timeLimitS } : {}),
      };
      try {
        this.bridge.send(msg);
      } catch (e) {
        this.pending.delete(req.id);
        reject(e as Error);
      }
    });
  }

  cancel(id: string, opts?: { force?: boolean }): void {
    if (!this.pending.has(id) || this.bridge.closed) return;
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
    await this.bridge.close();
  }

  private onStarted(id: string, host: string, startedAt: number): void {
    const p = this.pending.get(id);
    if (!p || p.started) return;
    p.started = true;
    p.req.onStart?.({ host, startedAt });
    this.startTimer();
  }

  private onResult(m: ResultMessage): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (!p.started && m.reason !== 'does_not_fit' && m.reason !== 'spawn_error' && m.reason !== 'cancelled') {
      // the start event can trail the result on a fast task: report the start first
      p.req.onStart?.({ host: m.host, startedAt: m.startedAt });
    }
    p.follower.poll(true);
    if (!p.follower.visible() && m.tail && m.tail.length > 0) {
      p.follower.writeFallback(m.tail, `log written on ${m.host} is not visible here (no shared filesystem?); last lines:`);
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
