/**
 * The Dask executor's side of pilot jobs. Workers join as pilots start, and Dask places a task
 * with resource restrictions on a worker as soon as it is submitted: tasks handed over before a
 * pilot's workers joined would all wait on the first worker. So with pilots a task goes to Dask
 * only when the live workers have room for it, and the work still waiting on this side is told
 * to the session's supervisor through a demand file (`<state>/demand/<pid>.json`), which its
 * pilot manager sizes the pilots to.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Resources } from '../../astra/model.js';

export interface Room {
  cpus: number;
  gpus: number;
}

/** How often live workers are asked for and the demand file is rewritten while there is work. */
const TICK_MS = 1_000;

export class PilotGate {
  private live: Room = { cpus: 0, gpus: 0 };
  private used: Room = { cpus: 0, gpus: 0 };
  private timer: NodeJS.Timeout | undefined;
  private readonly file: string;

  constructor(
    demandDir: string,
    /** The live workers' total cpus and gpus. */
    private readonly liveRoom: () => Promise<Room>,
    /** What this executor still has to run (queued here and sent): tasks, cpus, gpus. */
    private readonly work: () => { tasks: number; cpus: number; gpus: number },
    /** Called after each tick: the pump tries again. */
    private readonly onTick: () => void,
  ) {
    mkdirSync(demandDir, { recursive: true, mode: 0o700 });
    this.file = join(demandDir, `${process.pid}.json`);
  }

  /** Whether the live workers have room for a task beside those already sent. */
  admits(r: Resources): boolean {
    return this.used.cpus + r.cpus <= this.live.cpus && (r.gpus <= 0 || this.used.gpus + r.gpus <= this.live.gpus);
  }

  sent(r: Resources): void {
    this.used = { cpus: this.used.cpus + r.cpus, gpus: this.used.gpus + r.gpus };
  }

  done(r: Resources): void {
    this.used = { cpus: Math.max(0, this.used.cpus - r.cpus), gpus: Math.max(0, this.used.gpus - r.gpus) };
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
    this.writeDemand(w);
    if (w.tasks === 0) {
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    try {
      this.live = await this.liveRoom();
    } catch {
      // the bridge is closing: the executor says why
    }
    this.onTick();
  }

  private writeDemand(w: { tasks: number; cpus: number; gpus: number }): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, ...w, at: Date.now() }) + '\n', { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}
