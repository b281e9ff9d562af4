/**
 * The TUI's wiring to the engine: it feeds the store (project shape, status, runner events,
 * utilisation, scheduler state, log tails) and executes the commands the key map returns (run,
 * force, cancel, verify, stop scheduler, quit). No React here: the Ink root only subscribes to
 * the store and forwards key presses, so tests drive this class directly too.
 */
import { hostname } from 'node:os';
import { relative } from 'node:path';
import type { RunEvent } from '../../engine/events.js';
import { readOutputValues } from '../../engine/results/read-output.js';
import type { Task } from '../../engine/dag/task.js';
import { errorMessage, LcError } from '../../engine/errors.js';
import type { Executor, NodeUtilisation } from '../../engine/executors/executor.js';
import { resolveExecutorKind, type ExecutorKind } from '../../engine/executors/select.js';
import type { Attachment } from './model/attach.js';
import { exitMessage } from './model/exit.js';
import { interpretKey, type KeyPress, type TuiCommand } from './model/keys.js';
import { projectShape } from './model/project-shape.js';
import { initialState } from './model/reducer.js';
import { runResultWords, visibleOutputs } from './model/selectors.js';
import { createStore, type Store } from './model/store.js';
import type { SchedulerView } from './model/types.js';
import { createRunControl, type RunControl } from '../../engine/runner/control.js';
import type { RunSummary } from '../../engine/runner/types.js';
import type { SchedulerStatus } from '../../engine/scheduler/index.js';
import { computeStatus } from '../../engine/status/index.js';
import { openProject, type ProjectContext } from '../project-context.js';
import { specSignature } from './spec-signature.js';
import { LogFeed } from './log-feed.js';
import { singleFlight } from './single-flight.js';

// Loaded on first use, after the first frame is on screen: start-up only needs the store.
const runner = () => import('../../engine/runner/run.js');
const verifier = () => import('../../engine/verify/index.js');
const scheduler = () => import('../../engine/scheduler/index.js');
const executors = () => import('../../engine/executors/select.js');
const localExecutor = () => import('../../engine/executors/local/index.js');
const attacher = () => import('./model/attach.js');

export interface TuiOptions {
  ctx: ProjectContext;
  /** -u filter at start (the `u` key changes it later). */
  universes: string[];
  executor: ExecutorKind;
  jobs?: number;
  cols: number;
  rows: number;
  env?: NodeJS.ProcessEnv;
  /** Poll periods; tests shorten them. */
  intervals?: Partial<Intervals>;
  /** Frame period of the store (ms). */
  frameMs?: number;
}

interface Intervals {
  /** Clock tick, utilisation and running-log refresh. */
  tickMs: number;
  /** Looking for another `lc run` holding the project lock. */
  lockMs: number;
  schedulerMs: number;
  /** Status refresh while idle (files may change under us). */
  statusMs: number;
  /** Looking for edits of astra.yaml and the universe files. */
  specMs: number;
}

const DEFAULT_INTERVALS: Intervals = { tickMs: 1000, lockMs: 2000, schedulerMs: 5000, statusMs: 30_000, specMs: 3000 };

/** How often Dask workers' utilisation is asked for: session on this host / elsewhere. */
const WORKERS_LOCAL_MS = 2000;
const WORKERS_REMOTE_MS = 15_000;

export interface TuiExit {
  code: number;
  /** Printed after the screen is restored. */
  message: string;
}

export class TuiController {
  readonly store: Store;
  /** Resolves once the user quit and everything we started has wound down. */
  readonly exited: Promise<TuiExit>;
  private resolveExit!: (e: TuiExit) => void;
  private readonly o: TuiOptions;
  /** The project as last loaded: replaced when the spec changes on disk (see checkSpec). */
  private ctx: ProjectContext;
  private specSig: string;
  private nextSpecCheck = 0;
  private resultsTimer: NodeJS.Timeout | undefined;
  private readonly iv: Intervals;
  private readonly env: NodeJS.ProcessEnv;
  private local: (Executor & { capacityInfo?: unknown }) | null = null;
  private run: { control: RunControl; done: Promise<void> } | null = null;
  private attachment: Attachment | null = null;
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | null = null;
  private readonly logs: LogFeed;
  private lastStatusAt = 0;
  private statusCostMs = 0;
  /** Journal of the last attached run that ended: its lock may linger a moment; never replay it twice. */
  private endedJournal: string | null = null;
  private nextWorkersAt = 0;
  // The pollers: each one never overlaps itself (single-flight.ts).
  private readonly stopped = () => this.disposed;
  /** Recompute status; calls made while one is in flight coalesce into one more pass. */
  readonly refreshStatus = singleFlight(() => this.statusPass(), this.stopped);
  private readonly tick = singleFlight(() => this.tickPass(), this.stopped);
  private readonly checkForeignRun = singleFlight(() => this.foreignRunPass(), this.stopped);
  private readonly pollScheduler = singleFlight(() => this.schedulerPass(), this.stopped);
  private quitting = false;
  private disposed = false;

  constructor(o: TuiOptions) {
    this.o = o;
    this.ctx = o.ctx;
    // Taken now, right after the project was loaded: an edit from here on reloads it.
    this.specSig = specSignature(o.ctx.root);
    this.iv = { ...DEFAULT_INTERVALS, ...(o.intervals ?? {}) };
    this.env = o.env ?? process.env;
    const executor = resolveExecutorKind(o.executor, this.env);
    const initial = initialState({ cols: o.cols, rows: o.rows, now: Date.now(), universeFilter: o.universes, executor });
    this.store = createStore(initial, { frameMs: o.frameMs });
    this.store.dispatch({ type: 'project', shape: projectShape(o.ctx.project.name, o.ctx.dag) });
    this.logs = new LogFeed(this.store, o.ctx.scratch);
    this.exited = new Promise((r) => (this.resolveExit = r));
  }

  /** Start polling; the first status and utilisation snapshots follow within a moment. */
  async start(): Promise<void> {
    this.unsubscribe = this.store.subscribe(() => this.logs.sync());
    // Status first: it is what the second frame needs.
    void this.refreshStatus();
    if (resolveExecutorKind(this.o.executor, this.env) === 'local') {
      const { createLocalExecutor } = await localExecutor();
      this.local = await createLocalExecutor({ jobs: this.o.jobs });
    }
    const every = (ms: number, fn: () => void): void => {
      const t = setInterval(fn, ms);
      t.unref();
      this.timers.push(t);
    };
    void this.tick();
    void this.checkForeignRun();
    void this.pollScheduler();
    every(this.iv.tickMs, () => void this.tick());
    every(this.iv.lockMs, () => void this.checkForeignRun());
    const dask = resolveExecutorKind(this.o.executor, this.env) === 'dask';
    every(dask ? Math.min(this.iv.schedulerMs, WORKERS_LOCAL_MS) : this.iv.schedulerMs, () => void this.pollScheduler());
  }

  key(k: KeyPress): void {
    if (this.disposed) return;
    const { actions, command } = interpretKey(this.store.getState(), k);
    for (const a of actions) this.store.dispatch(a, true);
    if (command) void this.execute(command);
  }

  resize(cols: number, rows: number): void {
    this.store.dispatch({ type: 'resize', cols, rows }, true);
  }

  async execute(cmd: TuiCommand): Promise<void> {
    try {
      switch (cmd.kind) {
        case 'run':
          return await this.startRun(cmd.output, false);
        case 'force':
          return await this.startRun(cmd.output, true);
        case 'cancel':
          return this.cancel();
        case 'verify':
          return await this.verify(cmd.output);
        case 'stop_scheduler':
          return await this.stopScheduler();
        case 'open_log':
          return this.openLog(cmd.taskId);
        case 'open_results':
          return this.readResults(cmd.output);
        case 'quit':
          return await this.quit(cmd.cancelRun);
      }
    } catch (e) {
      this.say(e instanceof Error ? e.message : String(e), 'error');
    }
  }

  // -------------------------------------------------------------------------------------------
  // Commands

  /** What r runs: the output, else the outputs the / filter shows (all without one), in the shown universes. */
  private shownTasks(output: string | null): Task[] {
    const state = this.store.getState();
    const f = state.universeFilter;
    const set = f.length ? new Set(f) : null;
    const named = output === null && state.ui.nameFilter.trim() ? new Set(visibleOutputs(state).map((o) => o.qid)) : null;
    return this.ctx.dag.tasks.filter((t) => (output === null ? !named || named.has(t.output) : t.output === output) && (!set || set.has(t.universe)));
  }

  private async startRun(output: string | null, force: boolean): Promise<void> {
    if (this.run || this.attachment) return this.say('a run is already active: wait for it or cancel it (x)');
    const targets = this.shownTasks(output);
    if (targets.length === 0) return this.say('nothing to run in the shown universes');
    const control = createRunControl();
    // Claim the run slot before the first await so a second r cannot start another one.
    let release!: () => void;
    this.run = { control, done: new Promise<void>((r) => (release = r)) };
    this.store.dispatch({ type: 'run_starting' });
    const kind = this.o.executor;
    const slot = this.run;
    const done = Promise.all([runner(), executors()])
      .then(([{ runTasks }, { selectExecutor }]) => {
        const executor = this.local ?? {
          name: resolveExecutorKind(kind, this.env),
          create: () => selectExecutor(kind, this.ctx, { jobs: this.o.jobs }),
        };
        const argv = ['tui', force ? 'force' : 'run', ...(output ? [output] : [])];
        return runTasks({ ctx: this.ctx, targets, force, executor, control, argv, progressIntervalMs: 1000 }, (e) => {
          this.store.pushEvent(e);
          this.resultsChanged(e);
        });
      })
      .then(
        (summary) => this.afterRun(summary),
        (e: unknown) => {
          this.store.flush();
          this.store.dispatch({ type: 'run_aborted', text: runErrorText(e) });
        },
      );
    slot.done = done.finally(() => {
      this.run = null;
      release();
      return this.refreshStatus();
    });
  }

  private afterRun(s: RunSummary): void {
    this.store.flush();
    if (s.plan.length === 0) return this.say('everything shown is up to date: nothing to run', 'info');
    const parts = runResultWords(s)
      .filter((w, i) => i === 0 || w.n > 0)
      .map((w) => `${w.n} ${w.word}`);
    this.say(`${s.interrupted ? 'run cancelled' : 'run finished'}: ${parts.join(', ')}`, s.failed || s.interrupted ? 'warn' : 'info');
  }

  /** The values of a metric output for the results view (re-read as the run finishes its tasks). */
  private readResults(output: string): void {
    this.store.dispatch({ type: 'results', results: { output, values: readOutputValues(this.ctx, output) } });
  }

  /** A task of the output the results view shows has finished: read its values again, soon. */
  private resultsChanged(e: RunEvent): void {
    const s = this.store.getState();
    if (s.ui.overlay.kind !== 'results' || !s.results || e.type !== 'task_succeeded') return;
    if (!e.id.endsWith(`/${s.results.output}`) || this.resultsTimer) return;
    this.resultsTimer = setTimeout(() => {
      this.resultsTimer = undefined;
      const now = this.store.getState().results;
      if (!this.disposed && now) this.readResults(now.output);
    }, 500);
    this.resultsTimer.unref();
  }

  private cancel(): void {
    if (this.run) {
      this.run.control.cancel({ reason: 'user' });
      return;
    }
    if (this.attachment) {
      const r = this.attachment.cancel();
      return this.say(r.text, r.ok ? 'info' : 'warn');
    }
    this.say('no run to cancel', 'info');
  }

  private async verify(output: string): Promise<void> {
    const tasks = this.shownTasks(output);
    this.say(`verifying ${output} in ${tasks.length} universe${tasks.length === 1 ? '' : 's'}…`, 'info');
    const { verifyTasks } = await verifier();
    const results = await verifyTasks(this.ctx, tasks);
    const passed = results.filter((r) => r.status === 'passed').length;
    const failed = results.filter((r) => r.status === 'failed');
    const absent = results.filter((r) => r.status === 'not_materialised').length;
    const parts = [`${passed} passed`];
    if (failed.length) parts.push(`${failed.length} failed`);
    if (absent) parts.push(`${absent} not run yet`);
    const first = failed[0];
    const why = first ? ` (${first.universe}: ${first.failure?.replace(/_/g, ' ') ?? 'failed'}${first.detail ? `, ${first.detail}` : ''})` : '';
    this.say(`verify ${output}: ${parts.join(', ')}${why}`, failed.length ? 'error' : 'info');
    await this.refreshStatus();
  }

  private async stopScheduler(): Promise<void> {
    const before = this.store.getState().scheduler;
    if (before.state !== 'running' || before.external) return this.say('no scheduler running', 'info');
    this.store.dispatch({ type: 'scheduler', scheduler: { state: 'stopping' } });
    try {
      const { stopScheduler } = await scheduler();
      const r = await stopScheduler({ projectRoot: this.ctx.root, env: this.env, requestedBy: `the stop key of the lc TUI (pid ${process.pid}, ${hostname()})` });
      this.say(r.message, 'info');
    } finally {
      await this.pollScheduler();
    }
  }

  private openLog(taskId: string): void {
    if (!this.logs.open(taskId)) this.say(`no log for ${taskId} yet`, 'info');
  }

  private async quit(cancelRun: boolean): Promise<void> {
    if (this.quitting) {
      // Asked again while waiting for tasks to stop: stop waiting politely.
      this.run?.control.cancel({ force: true, reason: 'user' });
      return;
    }
    this.quitting = true;
    if (this.run) {
      if (cancelRun) {
        this.say('waiting for running tasks to stop… (Ctrl-C again kills them)', 'warn');
        this.run.control.cancel({ reason: 'user' });
      }
      await this.run.done;
    }
    this.store.flush();
    const message = exitMessage(this.store.getState());
    await this.dispose();
    this.resolveExit({ code: 0, message });
  }

  /** Stop timers, followers and our executor. Idempotent. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.unsubscribe?.();
    this.attachment?.follower.stop();
    this.attachment = null;
    this.run?.control.cancel({ reason: 'user' });
    await this.run?.done;
    await this.local?.close();
    this.local = null;
    this.store.flush();
    this.store.dispose();
  }

  // -------------------------------------------------------------------------------------------
  // Feeds

  private say(text: string, level: 'info' | 'warn' | 'error' = 'warn'): void {
    this.store.dispatch({ type: 'message', text, level });
  }

  /**
   * Once a second: the clock, a utilisation sample and the running log, dispatched together so
   * they make one frame (an idle screen redraws once a second, not once per source).
   */
  private async tickPass(): Promise<void> {
    const nodes = await this.sampleUtilisation();
    if (this.disposed) return;
    this.store.dispatch({ type: 'tick', now: Date.now() });
    if (nodes) this.store.dispatch({ type: 'utilisation', nodes });
    this.logs.refresh();
    if (!this.run && !this.attachment && Date.now() >= this.nextSpecCheck) await this.checkSpec();
    // Idle refresh (files change under us), never more than ~3% of the time on big projects.
    const every = Math.max(this.iv.statusMs, 30 * this.statusCostMs);
    if (!this.run && !this.attachment && Date.now() - this.lastStatusAt > every) void this.refreshStatus();
  }

  /**
   * Reload the project when astra.yaml or a universe file changed (not during a run: it runs
   * what it planned). A spec with errors is reported and the last good one stays on screen.
   */
  private async checkSpec(): Promise<void> {
    this.nextSpecCheck = Date.now() + this.iv.specMs;
    const sig = specSignature(this.ctx.root);
    if (sig === this.specSig) return;
    this.specSig = sig;
    let next: ProjectContext;
    try {
      next = await openProject({ cwd: this.ctx.root, projectDir: this.ctx.root, color: false });
    } catch (e) {
      this.say(`the spec changed but does not load (${errorMessage(e)}); still showing the previous one`, 'error');
      this.store.dispatch({ type: 'spec_problem', lines: problemLines(e, this.ctx.root) });
      return;
    }
    if (this.disposed || this.run || this.attachment) return;
    this.store.dispatch({ type: 'spec_problem', lines: null });
    this.ctx = next;
    this.store.dispatch({ type: 'project', shape: projectShape(next.project.name, next.dag) });
    this.say(`the spec changed: reloaded (${next.dag.tasks.length} tasks)`, 'info');
    await this.refreshStatus();
  }

  private async statusPass(): Promise<void> {
    const t0 = Date.now();
    try {
      const statuses = await computeStatus(this.ctx);
      this.statusCostMs = Date.now() - t0;
      if (this.disposed) return;
      this.store.dispatch({ type: 'status', statuses });
    } catch (e) {
      this.say(`status: ${errorMessage(e)}`, 'error');
    }
    this.lastStatusAt = Date.now();
  }

  private async sampleUtilisation(): Promise<NodeUtilisation[] | undefined> {
    const s = this.store.getState();
    // Under Dask the scheduler poll brings the workers' utilisation.
    if (s.scheduler.state === 'running' && s.executor === 'dask') return undefined;
    if (!this.local) return undefined;
    try {
      return await this.local.utilisation();
    } catch {
      // A failed sample is not worth a message; the next one comes in a second.
      return undefined;
    }
  }

  private async schedulerPass(): Promise<void> {
    try {
      // Workers' utilisation means a bridge query: cheap over the session's unix socket (its
      // supervisor on this host), a Python start otherwise, so remote ones are asked rarely.
      const wantWorkers = this.store.getState().executor === 'dask' && Date.now() >= this.nextWorkersAt;
      const { schedulerStatus } = await scheduler();
      const st = await schedulerStatus({ projectRoot: this.ctx.root, env: this.env, workers: wantWorkers });
      if (this.disposed) return;
      if (wantWorkers) this.nextWorkersAt = Date.now() + (st.host === hostname() ? WORKERS_LOCAL_MS : WORKERS_REMOTE_MS);
      this.store.dispatch({ type: 'scheduler', scheduler: schedulerView(st) });
      if (wantWorkers && st.running && st.workers.length) this.store.dispatch({ type: 'utilisation', nodes: st.workers });
    } catch {
      // No scheduler support here (no Python/Dask): the header keeps saying none.
    }
  }

  /** Attach read-only to a run another process started, when one holds the project lock. */
  private async foreignRunPass(): Promise<void> {
    if (this.run || this.attachment || this.quitting || this.disposed) return;
    try {
      const { attach, findForeignRun } = await attacher();
      const fr = await findForeignRun(this.ctx.scratch);
      if (!fr || !fr.journal || fr.journal === this.endedJournal || this.run || this.attachment || this.disposed) return;
      this.store.dispatch({ type: 'attach', holder: { pid: fr.holder.pid, host: fr.holder.host, startedAt: fr.holder.startedAt } });
      const a = attach({ ...fr, journal: fr.journal }, (e) => {
        this.store.pushEvent(e);
        this.resultsChanged(e);
      });
      this.attachment = a;
      void a.follower.done.then(({ ownerGone }) => {
        if (this.attachment !== a) return;
        this.attachment = null;
        this.endedJournal = fr.journal;
        this.store.flush();
        this.store.dispatch({ type: 'detach' });
        if (ownerGone) this.say(`lc run (pid ${fr.holder.pid}) ended without finishing its run`, 'warn');
        void this.refreshStatus();
      });
    } catch {
      // Journal pruned or torn between the two reads: try again on the next poll.
    }
  }
}

function runErrorText(e: unknown): string {
  if (e instanceof LcError) return e.hint ? `${e.message} (${e.hint})` : e.message;
  return `run failed: ${e instanceof Error ? e.message : String(e)}`;
}

export function schedulerView(st: SchedulerStatus): SchedulerView {
  if (st.state === 'starting') return { state: 'starting' };
  if (st.state === 'stopping') return { state: 'stopping' };
  if (!st.running || !st.address) return { state: 'none' };
  const now = Date.now();
  return {
    state: 'running',
    address: st.address,
    workers: st.workers.length || st.expectedWorkers || 0,
    external: st.mode === 'external',
    ...(st.startedAt ? { startedAt: Date.parse(st.startedAt) } : {}),
    ...(st.idleLeftS !== undefined && st.idleLeftS !== null ? { idleDeadline: now + st.idleLeftS * 1000 } : {}),
    ...(st.pilots ? { pilots: st.pilots } : {}),
  };
}

/** A load error as `file:line:col CODE message` lines (its diagnostics' errors), else its message. */
function problemLines(e: unknown, root: string): string[] {
  const ds = e instanceof LcError ? e.diagnostics.filter((d) => d.severity === 'error') : [];
  if (ds.length === 0) return [errorMessage(e)];
  return ds.map((d) => `${d.file ? `${relative(root, d.file) || d.file}:${d.line ?? 1}:${d.col ?? 1} ` : ''}${d.code} ${d.message}`);
}
