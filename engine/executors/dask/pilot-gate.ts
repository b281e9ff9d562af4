/**
 * The Dask executor's side of pilot jobs. Workers join as pilots start, and Dask places a task
 * with resource restrictions on a worker as soon as it is submitted (not when it has room):
 * tasks handed over before a pilot's workers joined would wait on the first worker while the
 * others idle. So with pilots a task goes to Dask only when a live worker has room for it, named
 * as the task's preferred worker (Dask may still use another if that one leaves), and the work
 * still waiting on this side is told to the session's supervisor through a demand file
 * (`<state>/demand/<pid>.json`), in all and per queue, which its pilot managers size each
 * queue's pilots to. A task goes only to a worker of its queue.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Resources } from '../../astra/model.js';
import type { PilotQueue } from '../../scheduler/meta.js';

export interface Room {
  cpus: number;
  gpus: number;
}

export interface LiveWorker extends Room {
  address: string;
  /** The pilot queue it belongs to (its lc-queue-<name> resource). */
  queue?: string;
  /** A pilot's worker: when it retires (epoch ms), and a fresh pilot's worker's lifetime (ms). */
  retiresAt?: number;
  lifetimeMs?: number;
}

/** Unfinished work, in all and per queue. */
export interface Work {
  tasks: number;
  cpus: number;
  gpus: number;
  queues?: Record<string, { tasks: number; cpus: number; gpus: number }>;
}

/** A round trip lc -> Dask -> worker -> lc, about: what a worker's waiting tasks should cover. */
const ROUND_TRIP_MS = 200;
/** At most this many times what a worker runs at once waits there. */
const MAX_LEAD = 8;

/** How often live workers are asked for and the demand file is rewritten while there is work. */
const TICK_MS = 1_000;

export class PilotGate {
  private live: LiveWorker[] = [];
  /** By worker address: what the tasks sent there ask for. */
  private readonly used = new Map<string, Room>();
  private timer: NodeJS.Timeout | undefined;
  private readonly file: string;
  /** Moving mean of finished tasks' run times (ms). */
  private meanMs: number | undefined;

  constructor(
    demandDir: string,
    /** The live workers and what each offers. */
    private readonly liveWorkers: () => Promise<LiveWorker[]>,
    /** What this executor still has to run (queued here and sent): tasks, cpus, gpus. */
    private readonly work: () => Work,
    /** Called after each tick: the pump tries again (resolves once it handed over what it could). */
    private readonly onTick: () => Promise<void> | void,
    /** Queues the run routes to that the session did not start with: the supervisor adds them. */
    private readonly add: readonly PilotQueue[] = [],
  ) {
    mkdirSync(demandDir, { recursive: true, mode: 0o700 });
    this.file = join(demandDir, `${process.pid}.json`);
  }

  /**
   * The live worker with the most room left for a task beside those already sent there, if any.
   * A worker holds more than it can run at once, so a slot that frees is filled without a round
   * trip to lc: for short tasks as many as cover a round trip (`lead`); for tasks long beside a
   * round trip none, which keeps them spread over pilots that join later.
   */
  place(r: Resources, queue?: string): string | undefined {
    let best: { address: string; free: number } | undefined;
    for (const w of this.live) {
      // a queue's worker takes that queue's tasks only; one of no queue (an allocation's) any
      if (w.queue !== undefined && w.queue !== queue) continue;
      if (r.cpus > w.cpus || r.gpus > w.gpus) continue;
      if (this.retiresFirst(w)) continue;
      const u = this.used.get(w.address) ?? { cpus: 0, gpus: 0 };
      const lead = this.lead();
      const free = lead * w.cpus - u.cpus;
      if (free < r.cpus || (r.gpus > 0 && lead * w.gpus - u.gpus < r.gpus)) continue;
      if (!best || free > best.free) best = { address: w.address, free };
    }
    return best?.address;
  }

  /**
   * Whether a task started on the worker now would most likely be cut off by its retirement
   * (and run again elsewhere): it retires within 1.5 times the tasks' mean run time. Only when
   * a fresh pilot's lifetime holds such a task twice over: tasks longer than that run wherever
   * they can, as the next pilot would retire under them too.
   */
  private retiresFirst(w: LiveWorker): boolean {
    if (this.meanMs === undefined || w.retiresAt === undefined || w.lifetimeMs === undefined) return false;
    return w.retiresAt - Date.now() < 1.5 * this.meanMs && 2 * this.meanMs <= w.lifetimeMs;
  }

  sent(r: Resources, worker: string): void {
    const u = this.used.get(worker) ?? { cpus: 0, gpus: 0 };
    this.used.set(worker, { cpus: u.cpus + r.cpus, gpus: u.gpus + r.gpus });
  }

  /** What a worker may hold, in multiples of what it runs at once (see place). */
  private lead(): number {
    // nothing known yet, or tasks long beside a round trip: none waits (pilots joining later get work)
    if (this.meanMs === undefined || this.meanMs >= 10 * ROUND_TRIP_MS) return 1;
    return 1 + Math.min(MAX_LEAD, Math.ceil(ROUND_TRIP_MS / Math.max(1, this.meanMs)));
  }

  /** A finished task's run time, for the lead. */
  took(ms: number): void {
    this.meanMs = this.meanMs === undefined ? ms : 0.9 * this.meanMs + 0.1 * ms;
  }

  done(r: Resources, worker: string): void {
    const u = this.used.get(worker);
    if (!u) return;
    const left = { cpus: u.cpus - r.cpus, gpus: u.gpus - r.gpus };
    if (left.cpus <= 1e-9 && left.gpus <= 1e-9) this.used.delete(worker);
    else this.used.set(worker, left);
  }

  /** Work arrived: tell the supervisor now, then keep it current while there is work. */
  wake(): void {
    if (this.timer) return;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    rmSync(this.file, { force: true });
  }

  private async tick(): Promise<void> {
    const w = this.work();
    if (w.tasks === 0) {
      this.writeDemand(w);
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    try {
      this.live = await this.liveWorkers();
    } catch {
      // the bridge is closing: the executor says why
    }
    // the demand is what is left once the live workers took what they have room for: in an
    // allocation, its own nodes' share asks for no pilot
    await this.onTick();
    this.writeDemand(this.work());
  }

  private writeDemand(w: Work): void {
    const tmp = `${this.file}.tmp`;
    const doc = { version: 1, ...w, at: Date.now(), ...(this.add.length > 0 ? { add: this.add } : {}) };
    writeFileSync(tmp, JSON.stringify(doc) + '\n', { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}
