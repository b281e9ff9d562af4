/**
 * The two steps of a hand-run job that run.sh calls around the command.
 *
 * begin: the job still is what the spec says (script unedited, same command, key and image),
 * no lc run holds the project, every input is there; then the output directory is emptied and
 * the inputs and code are written down as they are now, before the command starts (the same
 * moment lc run takes them).
 *
 * record: after an exit 0, the manifest, from what begin wrote down, once the code is found
 * unchanged since begin and the outputs are hashed; after any other exit, the failure record
 * `lc status` shows. Nothing is ever recorded for a job that does not match its task.
 */
import { readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { EngineContext } from '../context.js';
import { imageId } from '../containers/oci.js';
import type { Task } from '../dag/task.js';
import { LcError } from '../errors.js';
import { acquireRunLock, type RunLock } from '../lock/run-lock.js';
import { codeVersion, DefinitionScan } from '../manifest/definition.js';
import { recordSuccess, snapshotInputs, type InputSnapshot } from '../manifest/index.js';
import type { ManifestV2 } from '../manifest/schema.js';
import { emptyOutdir } from '../runner/outdir.js';
import { recordFailure } from '../status/failures.js';
import { BEGIN_FILE, BeginSchema, JOB_FILE, JOB_FILE_VERSION, JobSchema, readJobFile, RUN_LOG, RUN_SCRIPT, writeJobFile, type BeginFile, type JobFile } from './job-file.js';
import { scriptBodyHash } from './script.js';

/** The job file of a directory, checked against its script (read before the project is opened). */
export function readJob(dir: string): JobFile {
  const job = readJobFile(dir, JOB_FILE, JobSchema);
  let text: string;
  try {
    text = readFileSync(join(dir, RUN_SCRIPT), 'utf8');
  } catch {
    throw new LcError('JOB_INVALID', `${join(dir, RUN_SCRIPT)}: not found`, { hint: 'export the job again' });
  }
  if (scriptBodyHash(text) !== job.scriptHash)
    throw new LcError('JOB_EDITED', `${join(dir, RUN_SCRIPT)} was edited below its #SBATCH lines since it was exported: nothing run, nothing recorded`, {
      hint: 'a manifest must say what ran: export the job again (lc export job ... --force), or change only #SBATCH lines',
    });
  return job;
}

/** The task the job was exported for, as the spec says it is now; a changed one is refused. */
export function jobTask(ctx: EngineContext, job: JobFile): Task {
  const t = ctx.dag.byId.get(job.task.id);
  const again = 'export the job again (lc export job ... --force)';
  if (!t) throw new LcError('JOB_STALE', `task ${job.task.id} is no longer in the spec: nothing recorded`, { hint: again });
  const changed =
    t.command !== job.task.command
      ? `its command is now ${JSON.stringify(t.command)}`
      : t.key !== job.task.key
        ? 'its recipe, container, decisions or inputs changed (task key)'
        : t.outdir !== job.task.outdir
          ? `its output directory is now ${t.outdir}`
          : undefined;
  if (changed) throw new LcError('JOB_STALE', `task ${t.id} changed since this job was exported: ${changed}`, { hint: again });
  return t;
}

export async function beginJob(ctx: EngineContext, dir: string, job: JobFile): Promise<void> {
  const task = jobTask(ctx, job);
  // fail now rather than run for hours and find the project held at the end
  await (await acquireRunLock(ctx.scratch, { command: 'lc job begin', projectRoot: ctx.root })).release();
  const imageNow = await checkImage(job);
  const inputs = await snapshotInputs(ctx, task);
  checkInputs(task, inputs);
  rmSync(join(dir, BEGIN_FILE), { force: true });
  emptyOutdir(join(ctx.root, task.outdir));
  const begin: BeginFile = {
    schema: 'lc-job-begin',
    version: JOB_FILE_VERSION,
    startedAt: Date.now(),
    host: hostname(),
    ...(process.env.SLURM_JOB_ID ? { slurmJobId: process.env.SLURM_JOB_ID } : {}),
    inputVersions: inputs.inputVersions,
    contentHashes: await inputs.contentHashes,
    scripts: inputs.scripts,
    containerResolved: inputs.container.resolved,
    imageId: imageNow,
  };
  writeJobFile(dir, BEGIN_FILE, begin);
}

/** The image the container runs now: the one the job was exported with, or the job is stale. */
async function checkImage(job: JobFile): Promise<string | null> {
  const c = job.container;
  if (!c) return null;
  if (c.runtime === 'apptainer' || c.runtime === 'singularity') return c.id;
  const now = await imageId(c.runtime, c.image);
  if (now === null) throw new LcError('JOB_STALE', `image ${c.image} is not there for ${c.runtime} on this node: nothing run`, { hint: 'lc build makes it (on a node whose images this one sees)' });
  if (c.id !== null && now !== c.id)
    throw new LcError('JOB_STALE', `container ${c.spec} now names image ${now.slice(7, 19)}; the job was exported with ${c.id.slice(7, 19)}: nothing run`, {
      hint: 'export the job again (lc export job ... --force)',
    });
  return now;
}

/** Every input is there: a job must not run on what is missing (lc run would not either). */
function checkInputs(task: Task, snap: InputSnapshot): void {
  for (const i of task.inputs) {
    const v = snap.inputVersions[i.localId];
    if (v !== 'missing' && v !== 'unreadable') continue;
    const what = i.kind === 'task' ? `the output of task ${i.task} (${i.path})` : (i.path ?? i.localId);
    const hint = i.kind === 'task' ? `lc run ${i.task} makes it (or run its job first)` : 'put the input in place';
    throw new LcError('JOB_INPUT_MISSING', `input ${i.localId} of ${task.id} is ${v}: ${what}; nothing run`, { hint });
  }
}

export type RecordOutcome = { kind: 'recorded'; manifest: ManifestV2; warnings: string[] } | { kind: 'failed'; exitCode: number; reason: string };

export async function recordJob(ctx: EngineContext, dir: string, job: JobFile, exitCode: number): Promise<RecordOutcome> {
  const task = jobTask(ctx, job);
  const begin = readJobFile(dir, BEGIN_FILE, BeginSchema);
  if (exitCode !== 0) {
    const timedOut = exitCode === 124 && task.resources.timeLimitS !== undefined;
    const reason = timedOut ? 'time_limit' : 'exit';
    await recordFailure(ctx.scratch, task.id, { exitCode, signal: null, at: new Date().toISOString(), logPath: join(dir, RUN_LOG), reason });
    rmSync(join(dir, BEGIN_FILE), { force: true });
    return { kind: 'failed', exitCode, reason: timedOut ? `time limit of ${task.resources.timeLimitS}s reached` : `the command exited ${exitCode}` };
  }
  const now = new DefinitionScan(ctx).definition(task);
  const then = codeVersion({ recipe: task.template, container: begin.containerResolved, decisions: task.decisions, scripts: begin.scripts });
  if (codeVersion({ recipe: task.template, container: now.container.resolved, decisions: task.decisions, scripts: now.scripts }) !== then)
    throw new LcError('JOB_CHANGED', `the scripts or container of ${task.id} changed while the job ran: nothing recorded`, { hint: 'run the job again' });
  const inputs: InputSnapshot = {
    inputVersions: begin.inputVersions,
    contentHashes: Promise.resolve(begin.contentHashes),
    scripts: begin.scripts,
    container: now.container,
    takenAt: begin.startedAt,
  };
  const lock = await lockWithPatience(ctx);
  try {
    const recorded = await recordSuccess(ctx, task, {
      startedAt: begin.startedAt,
      finishedAt: Date.now(),
      exitCode: 0,
      host: begin.host,
      executor: 'job',
      attempt: 1,
      inputs,
      runtime: job.container?.runtime ?? 'none',
      ...(begin.imageId !== null ? { imageId: begin.imageId } : {}),
      ...(begin.slurmJobId ? { slurmJobId: begin.slurmJobId } : {}),
    });
    rmSync(join(dir, BEGIN_FILE), { force: true });
    return { kind: 'recorded', ...recorded };
  } finally {
    await lock.release();
  }
}

/** The run lock, waited for a while: an lc run that started meanwhile must not see a half-written record. */
async function lockWithPatience(ctx: EngineContext): Promise<RunLock> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await acquireRunLock(ctx.scratch, { command: 'lc job record', projectRoot: ctx.root });
    } catch (e) {
      if (!(e instanceof LcError && e.code === 'RUN_LOCKED') || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}
