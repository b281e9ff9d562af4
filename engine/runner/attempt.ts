/**
 * One attempt at one task: prepare (input snapshot, log slot, output dir), submit to the
 * executor, record (the manifest after an exit 0 we did not provoke). The run's AbortSignal
 * says the run is stopping: an attempt that has not been submitted yet then ends as `skipped`
 * at its next step, and one that has is cancelled by the runner through the executor.
 *
 * It reports what happened through `outcome`, which the runner answers by settling the node,
 * emitting, blocking or releasing. A failure is reported synchronously in the continuation of
 * the executor's result: the local executor starts its next queued task one microtask later,
 * so without --keep-going the runner's stop must come first.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { ContainerPlan } from '../containers/plan.js';
import { boxCommand } from '../containers/wrap.js';
import type { EngineContext } from '../context.js';
import { errorMessage } from '../errors.js';
import type { ExecutorName, FailReason, RunEvent } from '../events.js';
import type { ExecResult, Executor } from '../executors/executor.js';
import { snapshotInputs, type SnapshotOptions } from '../manifest/index.js';
import type { Manifest } from '../manifest/schema.js';
import type { ExecutorHandle } from './executor-handle.js';
import type { RunNode } from './graph.js';
import type { TaskRecords } from './records.js';
import { allocateLog } from './logs.js';
import { createOutdirIfMissing, emptyOutdir } from './outdir.js';
import type { SubmitOrder } from './submit-order.js';

export type AttemptOutcome =
  | { kind: 'skipped' }
  /** The executor could not be made: nothing was started, and no task is to blame. */
  | { kind: 'no_executor'; error: unknown }
  /** `dedupFrom`: the group member whose files a deduplicated member took (link-attempt.ts). */
  | { kind: 'succeeded'; durationS: number; manifest: Manifest; warnings: string[]; dedupFrom?: string }
  | { kind: 'failed'; reason: FailReason; exitCode: number | null; signal: string | null; detail?: string; durationS: number };

export interface AttemptContext {
  ctx: EngineContext;
  runId: string;
  executor: ExecutorHandle;
  /** For manifests: the executor's name and this host (a deduplicated member runs here). */
  executorName: ExecutorName;
  host: string;
  /** Where manifests go (records.ts). */
  records: TaskRecords;
  /** The runtime and images that run declared containers (engine/containers/plan.ts). */
  containers: ContainerPlan;
  order: SubmitOrder;
  snapOpts: SnapshotOptions;
  /** Aborted when the run stops scheduling. */
  signal: AbortSignal;
  emit: (e: RunEvent) => void;
  /** The runner's answer to how the attempt ended (called once per attempt). */
  outcome: (n: RunNode, o: AttemptOutcome) => void | Promise<void>;
}

export async function runAttempt(n: RunNode, a: AttemptContext): Promise<void> {
  const { ctx, order, signal } = a;
  const end = (o: AttemptOutcome) => a.outcome(n, o);
  const task = n.task;
  const ticket = order.ticket();
  let left = false;
  const leave = () => {
    if (!left) order.leave(ticket);
    left = true;
  };
  try {
    await order.mayPrepare(ticket);
    if (signal.aborted) return end({ kind: 'skipped' });
    const exP = a.executor.get();
    exP.catch(() => undefined); // awaited below, after the inputs
    const inputs = await snapshotInputs(ctx, task, a.snapOpts);
    // Only read so far: a run whose executor cannot be made creates no log or output dir.
    let ex: Executor;
    try {
      ex = await exP;
    } catch (error) {
      return end({ kind: 'no_executor', error });
    }
    if (signal.aborted) return end({ kind: 'skipped' });
    const absOut = join(ctx.root, task.outdir);
    // Directory creation happens now, in the thread pool, while other tasks run; a dir we
    // just created is empty, so only pre-existing ones are emptied at start.
    const [log, fresh] = await Promise.all([allocateLog(ctx.scratch, task), createOutdirIfMissing(absOut)]);
    if (signal.aborted) return end({ kind: 'skipped' });
    n.logPath = log.path;
    const prepare = fresh ? undefined : () => emptyOutdir(absOut);
    await order.turn(ticket);
    if (signal.aborted) return end({ kind: 'skipped' });
    // Executors that cannot prepare at start time get an emptied dir now.
    if (!ex.callsPrepare) prepare?.();
    n.queued = true;
    a.emit({ type: 'task_queued', t: Date.now(), id: task.id });
    const submitted = submit(n, a, ex, { absOut, attempt: log.attempt, logPath: log.path, prepare, ticket });
    leave();
    const res: ExecResult = await submitted;
    n.queued = false;
    const durationS = Math.max(0, (res.finishedAt - res.startedAt) / 1000);
    if (!n.started && res.reason === 'cancelled') return end({ kind: 'skipped' });
    // no await before a failure's report: see the header
    if (res.reason !== 'exit' || res.exitCode !== 0) return end(failure(n, res, durationS));
    return await end(await recordSuccessOf(n, a, ex, res, { attempt: log.attempt, inputs, durationS }));
  } catch (e) {
    return end({ kind: 'failed', reason: 'internal_error', exitCode: null, signal: null, detail: errorMessage(e), durationS: 0 });
  } finally {
    leave();
    order.started(ticket); // never started, or started and over: either way it no longer leads
  }
}

function submit(
  n: RunNode,
  a: AttemptContext,
  ex: Executor,
  s: { absOut: string; attempt: number; logPath: string; prepare: (() => void) | undefined; ticket: number },
): Promise<ExecResult> {
  const task = n.task;
  const env = {
    LIGHTCONE_RUN_ID: a.runId,
    LIGHTCONE_TASK_ID: task.id,
    LIGHTCONE_UNIVERSE: task.universe,
    LIGHTCONE_OUTPUT: task.output,
    LIGHTCONE_OUTDIR: s.absOut,
    LIGHTCONE_ATTEMPT: String(s.attempt),
  };
  // the task's variables pass into its container by name
  const boxed = containerFor(task, a, Object.keys(env));
  return ex.submit({
    id: task.id,
    command: boxed?.command ?? task.command,
    cwd: a.ctx.root,
    env,
    resources: task.resources,
    logPath: s.logPath,
    ...(ex.callsPrepare && s.prepare ? { prepare: s.prepare } : {}),
    ...(boxed ? { afterStop: boxed.remove } : {}),
    onStart: (info) => {
      a.order.started(s.ticket);
      n.queued = false;
      n.started = true;
      n.startedAt = info.startedAt;
      a.emit({
        type: 'task_started',
        t: info.startedAt,
        id: task.id,
        attempt: s.attempt,
        host: info.host,
        executor: ex.name,
        resources: task.resources,
        logPath: s.logPath,
        pid: info.pid,
      });
    },
    onLine: (stream, line) => a.emit({ type: 'task_output', t: Date.now(), id: task.id, stream, line }),
    onRestart: (info) => {
      n.startedAt = info.startedAt;
      a.emit({ type: 'task_restarted', t: info.startedAt, id: task.id, host: info.host, why: info.why });
    },
  });
}

/** The task's command inside its container, and how to remove that container; undefined on the host. */
function containerFor(task: RunNode['task'], a: AttemptContext, variables: string[]): { command: string; remove: () => void } | undefined {
  const name = `lc-${a.runId}-${createHash('sha256').update(task.id).digest('hex').slice(0, 12)}`.toLowerCase();
  const boxed = boxCommand({ command: task.command, gpus: task.resources.gpus, ...(task.container !== undefined ? { container: task.container } : {}) }, a.containers, {
    root: a.ctx.root,
    mounts: [a.ctx.scratch.scratchRoot],
    variables,
    name,
  });
  if (!boxed) return undefined;
  const rm = boxed.remove;
  return { command: boxed.command, remove: () => void (rm && execFile(rm[0] as string, rm.slice(1), () => undefined)) };
}

/** A manifest for an exit 0 we did not provoke; a manifest that cannot be written fails the task. */
async function recordSuccessOf(
  n: RunNode,
  a: AttemptContext,
  ex: Executor,
  res: ExecResult,
  r: { attempt: number; inputs: Awaited<ReturnType<typeof snapshotInputs>>; durationS: number },
): Promise<AttemptOutcome> {
  try {
    const image = n.task.container !== undefined ? a.containers.images.get(n.task.container) : undefined;
    const recorded = await a.records.success(n.task, {
      runtime: a.containers.runtime ?? 'none',
      ...(image?.id ? { imageId: image.id } : {}),
      startedAt: res.startedAt,
      finishedAt: res.finishedAt,
      exitCode: 0,
      host: res.host,
      executor: ex.name,
      attempt: r.attempt,
      inputs: r.inputs,
    });
    return { kind: 'succeeded', durationS: r.durationS, manifest: recorded.manifest, warnings: recorded.warnings };
  } catch (e) {
    return { kind: 'failed', reason: 'manifest_error', exitCode: 0, signal: null, detail: errorMessage(e), durationS: r.durationS };
  }
}

/** Any other end: the executor's reason, with what a human needs to know about it. */
function failure(n: RunNode, res: ExecResult, durationS: number): AttemptOutcome {
  const detail = res.reason === 'time_limit' ? `time limit of ${n.task.resources.timeLimitS}s reached` : res.detail;
  return {
    kind: 'failed',
    reason: res.reason,
    exitCode: res.exitCode,
    signal: res.signal,
    durationS,
    detail,
  };
}
