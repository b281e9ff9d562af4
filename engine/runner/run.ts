/**
 * runTasks: plan from status, then run in dependency order through an executor.
 *
 * The scheduler is event-driven: every planned task is a node of the run graph (graph.ts)
 * counting the upstream nodes (and, for a deduplicated member, the group leader) it still waits
 * for; a node is dispatched the moment that count reaches zero, and the executor queues it
 * until a slot is free. Nothing scans the whole DAG per event, so 10,000 tasks cost O(edges)
 * scheduling work.
 *
 * Safety: a task's output dir is emptied (manifest first) only when its slot is reserved, and a
 * manifest is written only after an exit 0 that we did not provoke; an interrupted task gets a
 * failure record, never a manifest.
 */
import { existsSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import type { EngineContext } from '../context.js';
import { assertNever, errorMessage, LcError } from '../errors.js';
import { upstreamClosure } from '../dag/select.js';
import type { Task } from '../dag/task.js';
import type { ExecutorName, FailReason, RunEvent, RunEventListener } from '../events.js';
import type { NodeCapacity } from '../executors/executor.js';
import { acquireRunLock, lockDirOf, type RunLock } from '../lock/run-lock.js';
import { DefinitionScan, type SnapshotOptions } from '../manifest/index.js';
import { computeStatus, type StatusOptions, type TaskStatus } from '../status/index.js';
import type { CancelRequest } from './control.js';
import { createJournal, newRunId } from './journal.js';
import { tailLogFile } from './logs.js';
import { killOrphans } from './orphans.js';
import { planFromStatus, plannedTasks, type Plan } from './plan.js';
import { runAttempt, type AttemptContext, type AttemptOutcome } from './attempt.js';
import { linkAttempt } from './link-attempt.js';
import { ExecutorHandle } from './executor-handle.js';
import { RunGraph, type RunNode as Node } from './graph.js';
import { TaskRecords } from './records.js';
import { SubmitOrder } from './submit-order.js';
import { capacityProblems, preflightError, specProblems, type PreflightProblem } from './preflight.js';
import { NO_CONTAINERS, prepareContainers, type ContainerPlan, type ImageProgress } from '../containers/plan.js';
import type { RunOptions, RunSummary, TaskProblem } from './types.js';

/** Why a run stops scheduling (the run_cancelling event's reason). */
/** 'executor': the executor could not be made (a scheduler that did not start): nothing ran. */
/** 'scheduler_failed': the session scheduler stopped because it could not go on (not asked to). */
type StopReason = 'failure' | 'signal' | 'user' | 'scheduler' | 'scheduler_failed' | 'executor';


function progressInterval(opts: RunOptions): number {
  const env = Number(process.env.LIGHTCONE_PROGRESS_INTERVAL_S);
  if (Number.isFinite(env) && env > 0) return env * 1000;
  return opts.progressIntervalMs ?? 30_000;
}

/** Statuses of the targets' upstream closure, in DAG order. */
export async function planRun(
  ctx: EngineContext,
  targets: readonly Task[] | undefined,
  force: boolean,
  statusOptions: StatusOptions = {},
): Promise<Plan> {
  const asked = targets ?? ctx.dag.tasks;
  const targetIds = new Set(asked.map((t) => t.id));
  // Every task asked for (no targets, or all of them): no closure to walk (10,000 tasks: ~10 ms).
  const all = targetIds.size === ctx.dag.tasks.length;
  const closure = all ? null : upstreamClosure(ctx.dag, targetIds);
  const considered =
    closure === null || closure.size === ctx.dag.tasks.length ? ctx.dag.tasks : ctx.dag.tasks.filter((t) => closure.has(t.id));
  const statuses = new Map<string, TaskStatus>();
  for (const s of await computeStatus(ctx, considered, statusOptions)) statuses.set(s.id, s);
  return planFromStatus(considered, statuses, targetIds, force);
}

export async function runTasks(opts: RunOptions, onEvent: RunEventListener): Promise<RunSummary> {
  const t0 = Date.now();
  const { ctx } = opts;
  const dryRun = opts.dryRun === true;
  const executorName: ExecutorName = opts.executor.name;
  const runId = newRunId();
  let lock: RunLock | null = null;
  try {
    let plan: Plan;
    if (!dryRun && opts.lock !== false) {
      const locked = await planLocked(opts, runId);
      lock = locked.lock;
      plan = locked.plan;
    } else {
      plan = await planRun(ctx, opts.targets, opts.force === true, opts.status);
    }
    // The executor (for Dask: attach to the scheduler, open a bridge, ask for capacity) is made
    // while the journal, the plan event and the task graph are prepared, not after them.
    const executor = new ExecutorHandle(opts.executor);
    const executing = plan.runs.filter((r) => r.dedupFrom === undefined).map((r) => r.task);
    // deduplicated members only link files: no executor for a plan of only those
    if (!dryRun && executing.length > 0) executor.start();
    // Stopped here, before the journal, the first task or any file written, when a task is
    // known to fail: nothing of the allocation is spent on the tasks that would run first.
    // Deduplicated members count too: they would get nothing from a leader that fails.
    const planned = plan.runs.map((r) => r.task);
    const problems = specProblems(ctx.root, ctx.project, planned);
    if (executing.length > 0) problems.push(...(await (dryRun ? dryRunFitProblems(opts, planned) : fitProblems(ctx, planned, executor))));
    const containers = !dryRun && executing.length > 0 ? await prepareContainers(ctx, executing, { make: opts.noBuild !== true, onProgress: (p) => onEvent(imageEvent(p)) }) : { plan: NO_CONTAINERS, problems: [] };
    problems.push(...containers.problems);
    if (problems.length > 0 && !dryRun) {
      await executor.close();
      throw preflightError(problems);
    }
    const journal =
      !dryRun && opts.journal !== false && plan.runs.length > 0
        ? createJournal(ctx.scratch, { runId, projectRoot: ctx.root, argv: opts.argv })
        : null;
    opts.onStart?.({ runId, journalPath: journal?.path ?? null });
    const emit = (e: RunEvent) => {
      journal?.append(e);
      onEvent(e);
    };
    try {
      const planned = plannedTasks(plan);
      emit({ type: 'plan_ready', t: Date.now(), runId, tasks: planned, upToDate: plan.upToDate, executor: executorName, dryRun });
      const base: RunSummary = {
        runId,
        dryRun,
        plan: planned,
        upToDate: plan.upToDate,
        succeeded: 0,
        deduplicated: 0,
        failed: 0,
        blocked: 0,
        cancelled: 0,
        skipped: 0,
        wallS: 0,
        cpuS: 0,
        failures: [],
        interrupted: false,
        journalPath: journal?.path ?? null,
        executor: executorName,
      };
      if (dryRun) return { ...base, wallS: (Date.now() - t0) / 1000, problems };
      const summary = await execute(opts, plan, base, emit, t0, executor, containers.plan);
      return summary;
    } finally {
      journal?.close();
    }
  } finally {
    await lock?.release();
  }
}

/**
 * Plan, and take the run lock only when there is something to do. A run with nothing to do
 * changes nothing, so it needs no lock (taking one loads proper-lockfile and writes files: a
 * tenth of a no-op run's time). When there is work, the lock is taken and the plan made again
 * if another run may have written manifests since we planned (it held the lock, or created its
 * journal meanwhile), so we never redo what it just did.
 */
async function planLocked(opts: RunOptions, runId: string): Promise<{ plan: Plan; lock: RunLock | null }> {
  const { ctx } = opts;
  const force = opts.force === true;
  // Evidence of another run: a lock held while we plan, or a journal created meanwhile.
  const heldBefore = existsSync(lockDirOf(ctx.scratch));
  const runsBefore = dirMtime(ctx.scratch.runs);
  const first = await planRun(ctx, opts.targets, force, opts.status);
  if (first.runs.length === 0) return { plan: first, lock: null };
  const lock = await acquireRunLock(ctx.scratch, { projectRoot: ctx.root, runId });
  try {
    // A run that was killed outright may have left its tasks running: stop them before we
    // empty the output dirs they still write to.
    if (lock.recovered?.runId) killOrphans(lock.recovered.runId);
    const same = !heldBefore && lock.recovered === null && dirMtime(ctx.scratch.runs) === runsBefore;
    return { plan: same ? first : await planRun(ctx, opts.targets, force, opts.status), lock };
  } catch (e) {
    await lock.release();
    throw e;
  }
}

/** Tasks no node of the executor can hold; none when the executor cannot be made (reported later, once). */
async function fitProblems(ctx: EngineContext, tasks: readonly Task[], executor: ExecutorHandle): Promise<PreflightProblem[]> {
  let nodes: NodeCapacity[];
  let name: ExecutorName;
  try {
    const ex = await executor.get();
    name = ex.name;
    nodes = await ex.capacity();
  } catch {
    return [];
  }
  return capacityProblems(ctx.project, tasks, nodes, name === 'local' ? 'this machine' : 'the Dask workers');
}

/** A dry run makes no executor: the local one's capacity is this machine's (Dask's is not known yet). */
async function dryRunFitProblems(opts: RunOptions, tasks: readonly Task[]): Promise<PreflightProblem[]> {
  if (opts.executor.name !== 'local') return [];
  const { detectLocalCapacity } = await import('../executors/local/capacity.js');
  const cap = await detectLocalCapacity();
  return capacityProblems(opts.ctx.project, tasks, [cap], 'this machine');
}

/** The directory's mtime in ns as a string, or '' when it does not exist. */
function dirMtime(path: string): string {
  return String(statSync(path, { bigint: true, throwIfNoEntry: false })?.mtimeNs ?? '');
}

/** Image progress as a run event (before plan_ready: no journal holds it). */
function imageEvent(p: ImageProgress): RunEvent {
  const t = Date.now();
  if (p.kind === 'start') return { type: 'image_preparing', t, container: p.container, runtime: p.runtime, work: p.work, image: p.image };
  if (p.kind === 'line') return { type: 'image_output', t, container: p.container, line: p.line };
  const action = p.image.action === 'built' ? 'built' : 'pulled';
  return { type: 'image_ready', t, container: p.container, image: p.image.image, imageId: p.image.id, action, durationS: p.ms / 1000 };
}

/**
 * Tasks prepared (input snapshot, log slot, output dir) and not started yet, at most. Without
 * a bound every root task of a sweep prepares at once, and the first one starts only after
 * all of their file operations; the executors queue what is submitted, so a short lead keeps
 * them busy.
 */
const PREPARE_AHEAD = 32;

/** The executor's error, saying that no task started (none is recorded as failed). */
function notStarted(e: unknown, count: number): Error {
  const tasks = `${count} task${count === 1 ? '' : 's'} not started`;
  if (e instanceof LcError)
    return new LcError(e.code, `${e.message} (${tasks})`, {
      context: { ...e.context, notStarted: count },
      ...(e.hint !== undefined ? { hint: e.hint } : {}),
      cause: e,
    });
  return new LcError('EXECUTOR', `${errorMessage(e)} (${tasks})`, { cause: e });
}

async function execute(
  opts: RunOptions,
  plan: Plan,
  summary: RunSummary,
  emit: (e: RunEvent) => void,
  t0: number,
  executor: ExecutorHandle,
  containers: ContainerPlan,
): Promise<RunSummary> {
  const { ctx } = opts;
  const keepGoing = opts.keepGoing === true;
  const records = new TaskRecords(ctx);
  const snapOpts: SnapshotOptions = {
    scan: new DefinitionScan(ctx),
    recorded: records.versions,
    strict: opts.strictInputs === true,
    dirCache: opts.status?.dirCache,
  };

  // A backend shut down under the run (the Dask session scheduler stopped) cancels the run; one
  // that failed (sbatch refusing its pilots) fails it: the run was not interrupted, and running
  // it again as is would fail the same way.
  executor.onShutdown((why, failed) => {
    if (!failed) summary.interrupted = true;
    stop(failed ? 'scheduler_failed' : 'scheduler', false, why);
  });

  const graph: RunGraph = new RunGraph(plan.runs, {
    dispatch: (n) => dispatch(n),
    blocked: (n, by) => emit({ type: 'task_blocked', t: Date.now(), id: n.task.id, blockedBy: by }),
  });
  const counts = graph.counts;
  const order = new SubmitOrder(PREPARE_AHEAD);
  let stopping: StopReason | null = null;
  /** Aborted with `stopping`: attempts not yet submitted end at their next step. */
  const abort = new AbortController();
  /** Why the executor could not be made: the run's one error, not a failure of every task. */
  let executorError: unknown;
  let inFlight = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const failures: TaskProblem[] = [];
  let finished = false;

  /** Why a task that will not start now did not: the run stopped, or it was cancelled. */
  const skipReason = (): 'stopped' | 'cancelled' =>
    stopping === 'failure' || stopping === 'executor' || stopping === 'scheduler_failed' ? 'stopped' : 'cancelled';

  const maybeFinish = () => {
    if (finished || inFlight > 0) return;
    // Nothing in flight: whatever still waits can never start (the run is stopping).
    const reason = skipReason();
    for (const n of graph.sweep()) emit({ type: 'task_skipped', t: Date.now(), id: n.task.id, reason });
    finished = true;
    resolveDone();
  };

  const skip = (n: Node) => {
    graph.settle(n, 'skipped');
    emit({ type: 'task_skipped', t: Date.now(), id: n.task.id, reason: skipReason() });
  };

  const dispatch = (n: Node) => {
    if (stopping) return; // swept up as skipped when the in-flight work has ended
    void attemptOn(n, n.run.dedupFrom !== undefined ? linkAttempt : runAttempt);
  };

  const stop = (why: Exclude<StopReason, 'executor'>, force = false, detail?: string) => {
    if (!stopping) {
      stopping = why;
      abort.abort();
      emit({ type: 'run_cancelling', t: Date.now(), reason: why, detail });
    }
    const ex = executor.current;
    if (!ex) return;
    const active = graph.active();
    // Queued tasks never start: cancelled first, so a slot freed by a killed task cannot go to
    // one of them. Running ones are stopped only on a cancel, not after a failure.
    for (const n of active) if (n.queued) ex.cancel(n.task.id);
    if (why === 'failure') return;
    for (const n of active) if (n.started) ex.cancel(n.task.id, { force });
  };

  const unsubscribe = opts.control?.onCancel((req: CancelRequest) => {
    summary.interrupted = true;
    stop(req.reason, req.force);
  });

  /**
   * Everything up to the failure record is synchronous on purpose: the executor starts its next
   * queued task only after this continuation ran (see the local executor's finish), so without
   * --keep-going nothing new starts once a failure is known.
   */
  const fail = async (n: Node, r: { reason: FailReason; exitCode: number | null; signal: string | null; detail?: string; durationS: number }) => {
    const cancelled = r.reason === 'cancelled';
    graph.settle(n, cancelled ? 'cancelled' : 'failed');
    const tail = n.logPath ? tailLogFile(n.logPath, 20) : [];
    if (r.detail) tail.push(`lc: ${r.detail}`);
    failures.push({ id: n.task.id, reason: r.reason, exitCode: r.exitCode, signal: r.signal, logPath: n.logPath });
    emit({
      type: 'task_failed',
      t: Date.now(),
      id: n.task.id,
      durationS: r.durationS,
      exitCode: r.exitCode,
      signal: r.signal,
      reason: r.reason,
      logPath: n.logPath,
      tail: tail.slice(-20),
    });
    if (cancelled) {
      graph.promoteFollowers(n); // dependents are skipped, not blocked: nothing failed
    } else {
      graph.blockFrom(n, n.task.id);
      if (!keepGoing) stop('failure');
    }
    const at = new Date().toISOString();
    await records.failure(n.task.id, { exitCode: r.exitCode, signal: r.signal, at, logPath: n.logPath, reason: r.reason });
  };

  const succeed = (n: Node, durationS: number, dataVersion: string, warnings: string[], dedupFrom?: string) => {
    graph.settle(n, 'succeeded');
    if (dedupFrom !== undefined) summary.deduplicated++;
    emit({
      type: 'task_succeeded',
      t: Date.now(),
      id: n.task.id,
      durationS,
      dataVersion,
      warnings,
      dedupFrom,
    });
    graph.release(n);
  };

  /** How an attempt ended, answered synchronously up to the failure record (see attempt.ts). */
  const onOutcome = (n: Node, o: AttemptOutcome): void | Promise<void> => {
    switch (o.kind) {
      case 'skipped':
        return skip(n);
      case 'no_executor':
        // every task waits on the same executor: stop once, start nothing, blame no task
        executorError ??= o.error;
        stopping ??= 'executor';
        abort.abort();
        return skip(n);
      case 'succeeded':
        return succeed(n, o.durationS, o.manifest.data_version, o.warnings, o.dedupFrom);
      case 'failed':
        return fail(n, o);
      default:
        assertNever(o);
    }
  };
  const attempt: AttemptContext = {
    ctx,
    runId: summary.runId,
    executor,
    executorName: opts.executor.name,
    records,
    containers,
    host: hostname(),
    order,
    snapOpts,
    signal: abort.signal,
    emit,
    outcome: onOutcome,
  };
  const attemptOn = async (n: Node, how: typeof runAttempt) => {
    n.state = 'active';
    inFlight++;
    try {
      await how(n, attempt);
    } finally {
      inFlight--;
      maybeFinish();
    }
  };

  // --- go ---
  const interval = progressInterval(opts);
  const progress = setInterval(() => {
    const elapsedS = (Date.now() - t0) / 1000;
    let running = 0;
    for (const n of graph.nodes.values()) if (n.state === 'active') running++;
    const doneCount = counts.succeeded;
    const pending = graph.open - running;
    const rate = doneCount > 0 ? doneCount / elapsedS : 0;
    emit({
      type: 'progress',
      t: Date.now(),
      done: doneCount,
      running,
      pending,
      failed: counts.failed,
      elapsedS,
      etaS: rate > 0 ? (pending + running) / rate : null,
    });
  }, interval);
  progress.unref();

  try {
    if (opts.control?.cancelled) {
      stopping = 'user';
      abort.abort();
    }
    for (const n of graph.roots()) dispatch(n);
    maybeFinish();
    await done;
  } finally {
    clearInterval(progress);
    unsubscribe?.();
  }
  if (executorError !== undefined) throw notStarted(executorError, counts.skipped);
  Object.assign(summary, counts);

  summary.failures = failures;
  summary.wallS = (Date.now() - t0) / 1000;
  summary.cpuS = executor.cpuSeconds();
  // also one made early but never used (the run stopped first)
  await executor.close();
  emit({
    type: 'run_finished',
    t: Date.now(),
    runId: summary.runId,
    succeeded: summary.succeeded,
    failed: summary.failed,
    blocked: summary.blocked,
    cancelled: summary.cancelled,
    skipped: summary.skipped,
    wallS: summary.wallS,
    cpuS: summary.cpuS,
  });
  // After the epilog, so the figures are the tasks'.
  records.seedCache();
  return summary;
}
