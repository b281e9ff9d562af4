/**
 * The one handle a run has on its executor. The executor may be given ready-made (tests, the
 * TUI's local one), or made on first use (for Dask: attach to the scheduler, open a bridge),
 * and that making starts early, while the journal and the task graph are prepared. Whatever
 * its origin, a run asks this handle: `get()` for the executor (made once), `current` for it
 * once made, `close()` at the end (only what the run made itself), and a shutdown of the
 * backend from outside (the Dask session scheduler stopped) reaches `onShutdown`.
 */
import type { Executor } from '../executors/executor.js';
import type { ExecutorSource } from './types.js';

const isExecutor = (s: ExecutorSource): s is Executor => 'submit' in s;

export class ExecutorHandle {
  private made: Promise<Executor> | null = null;
  private executor: Executor | null;
  private unwatch: (() => void) | undefined;
  private shutdownListener: ((why: string, failed: boolean) => void) | undefined;

  constructor(private readonly source: ExecutorSource) {
    this.executor = isExecutor(source) ? source : null;
  }

  /** Start making the executor now (it is awaited, and its failure reported, by whoever gets it). */
  start(): void {
    if (!this.executor) void this.get().catch(() => undefined);
  }

  /** The executor, made on the first call; a failure to make it rejects every call alike. */
  get(): Promise<Executor> {
    if (this.executor) return Promise.resolve(this.executor);
    this.made ??= (this.source as Exclude<ExecutorSource, Executor>).create().then((ex) => this.adopt(ex));
    return this.made;
  }

  /** The executor once made, else null (nothing to cancel then). */
  get current(): Executor | null {
    return this.executor;
  }

  /** Called (at most once per shutdown) when the backend is stopped from outside. */
  onShutdown(cb: (why: string, failed: boolean) => void): void {
    this.shutdownListener = cb;
    if (this.executor) this.watch(this.executor);
  }

  cpuSeconds(): number {
    return this.executor?.cpuSeconds?.() ?? 0;
  }

  /** Stop listening; close the executor when this run made it (a given one belongs to its owner). */
  async close(): Promise<void> {
    this.unwatch?.();
    this.unwatch = undefined;
    if (!this.executor && this.made) await this.made.catch(() => null);
    if (this.executor && !isExecutor(this.source)) await this.executor.close();
  }

  private adopt(ex: Executor): Executor {
    this.executor = ex;
    this.watch(ex);
    return ex;
  }

  private watch(ex: Executor): void {
    if (this.unwatch || !this.shutdownListener) return;
    const cb = this.shutdownListener;
    this.unwatch = ex.onShutdown?.((why, failed) => cb(why, failed === true));
  }
}
