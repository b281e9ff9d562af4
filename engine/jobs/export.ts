/**
 * `lc export job`: a self-contained directory per task that a user runs by hand (`sh run.sh`)
 * or submits (`sbatch run.sh`) and that still leaves a verified manifest: run.sh calls back
 * into lc before the command (inputs as they were when it started) and after it (the manifest,
 * when it exited 0). One task: its directory is the one named. Several: one directory per
 * task under it (`<universe>/<output>/`), with run-all.sh (one after another, dependencies
 * first) and, when a queue is named, submit-all.sh (sbatch with afterok dependencies).
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineContext } from '../context.js';
import type { ContainerPlan } from '../containers/plan.js';
import { boxCommand } from '../containers/wrap.js';
import type { Task } from '../dag/task.js';
import { LcError } from '../errors.js';
import { shellFor } from '../executors/local/index.js';
import { toolVersion } from '../manifest/tool-version.js';
import type { QueueSpec } from '../queues/config.js';
import { slurmTime } from '../queues/config.js';
import { siteOptions } from '../queues/pilot-queue.js';
import { JOB_FILE, JOB_FILE_VERSION, RUN_SCRIPT, writeJobFile, type JobFile } from './job-file.js';
import { runAllScript, runScript, scriptBodyHash, submitAllScript } from './script.js';

export interface ExportOptions {
  /** Absolute directory to write. */
  to: string;
  /** Replace a previous export there. */
  force: boolean;
  /** Queues for the #SBATCH headers: each task's is the first listed whose nodes hold it. */
  queues?: readonly QueueSpec[];
  plan: ContainerPlan;
  /** How run.sh calls this lc: node and its entry script. */
  lc: string[];
}

export interface ExportedJobs {
  jobs: { task: string; dir: string }[];
  runAll?: string;
  submitAll?: string;
}

/** Slack over a task's time limit for lc's own steps before and after the command. */
const STEPS_SLACK_S = 300;

export function exportJobs(ctx: EngineContext, tasks: readonly Task[], o: ExportOptions): ExportedJobs {
  if (tasks.length === 0) throw new LcError('NO_TASK', 'nothing to export: the selection has no task');
  const queues = o.queues ?? [];
  // every task's queue before anything is written: one that fits none stops the export
  const queueOf = queues.length > 0 ? tasks.map((t) => queueFor(t, queues)) : [];
  prepareDir(o.to, o.force);
  const single = tasks.length === 1;
  const jobs = tasks.map((t, i) => {
    const dir = single ? o.to : join(o.to, t.universe, t.output);
    mkdirSync(dir, { recursive: true });
    writeJob(ctx, t, dir, o, queueOf[i]);
    return { task: t.id, dir };
  });
  if (single) return { jobs };
  const runAll = join(o.to, 'run-all.sh');
  writeScript(runAll, runAllScript(jobs.map((j) => j.dir)));
  const out: ExportedJobs = { jobs, runAll };
  if (queues.length > 0) {
    const index = new Map(tasks.map((t, i) => [t.id, i]));
    const order = tasks.map((t, i) => ({ dir: jobs[i]?.dir as string, after: t.deps.flatMap((d) => (index.has(d) ? [index.get(d) as number] : [])) }));
    out.submitAll = join(o.to, 'submit-all.sh');
    writeScript(out.submitAll, submitAllScript(order));
  }
  return out;
}

/** The directory is new or empty, or holds an earlier export that --force may replace. */
function prepareDir(dir: string, force: boolean): void {
  if (!existsSync(dir)) return void mkdirSync(dir, { recursive: true });
  const names = readdirSync(dir);
  if (names.length === 0) return;
  const earlier = names.includes(JOB_FILE) || names.includes('run-all.sh');
  if (!earlier) throw new LcError('JOB_EXISTS', `${dir} is not empty and holds no earlier export: nothing written`, { hint: 'name a new or empty directory' });
  if (!force) throw new LcError('JOB_EXISTS', `${dir} holds an earlier export: nothing written`, { hint: 'add --force to replace it' });
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}

function writeJob(ctx: EngineContext, t: Task, dir: string, o: ExportOptions, queue: QueueSpec | undefined): void {
  const exportedAt = new Date().toISOString();
  const tag = createHash('sha256').update(`${t.id}\0${exportedAt}`).digest('hex').slice(0, 12);
  const env = {
    LIGHTCONE_RUN_ID: `job-${tag}`,
    LIGHTCONE_TASK_ID: t.id,
    LIGHTCONE_UNIVERSE: t.universe,
    LIGHTCONE_OUTPUT: t.output,
    LIGHTCONE_OUTDIR: join(ctx.root, t.outdir),
    LIGHTCONE_ATTEMPT: '1',
  };
  const name = `lc-job-${tag}`;
  const boxed = boxCommand({ command: t.command, gpus: t.resources.gpus, ...(t.container !== undefined ? { container: t.container } : {}) }, o.plan, {
    root: ctx.root,
    mounts: [ctx.scratch.scratchRoot],
    variables: Object.keys(env),
    name,
  });
  const image = t.container !== undefined ? o.plan.images.get(t.container) : undefined;
  const text = runScript({
    sbatch: queue ? jobSbatch(t, queue, dir) : [],
    about: about(t, exportedAt),
    jobDir: dir,
    projectRoot: ctx.root,
    lc: o.lc,
    env,
    shell: boxed ? '/bin/sh' : shellFor(t.command),
    command: boxed?.command ?? t.command,
    ...(t.resources.timeLimitS !== undefined ? { timeLimitS: t.resources.timeLimitS } : {}),
    ...(boxed?.remove ? { cleanup: boxed.remove } : {}),
  });
  const job: JobFile = {
    schema: 'lc-job',
    version: JOB_FILE_VERSION,
    exportedAt,
    lcVersion: toolVersion(),
    project: ctx.root,
    task: { id: t.id, universe: t.universe, output: t.output, outdir: t.outdir, command: t.command, key: t.key, resources: resourcesOf(t) },
    ...(boxed && image && t.container !== undefined && o.plan.runtime ? { container: { spec: t.container, runtime: o.plan.runtime, image: image.image, id: image.id } } : {}),
    ...(queue ? { queue: queue.name } : {}),
    scriptHash: scriptBodyHash(text),
  };
  writeScript(join(dir, RUN_SCRIPT), text);
  writeJobFile(dir, JOB_FILE, job);
}

function resourcesOf(t: Task): JobFile['task']['resources'] {
  const r = t.resources;
  return { cpus: r.cpus, gpus: r.gpus, ...(r.memoryBytes !== undefined ? { memoryBytes: r.memoryBytes } : {}), ...(r.timeLimitS !== undefined ? { timeLimitS: r.timeLimitS } : {}) };
}

function about(t: Task, exportedAt: string): string[] {
  return [
    `lc job ${t.id}, exported ${exportedAt} by lc ${toolVersion()}.`,
    'Run it by hand (sh run.sh) or submit it (sbatch run.sh). When the command exits 0 with its',
    'outputs in place, lc records a verified manifest for them. The #SBATCH lines may be edited;',
    'nothing else: lc records nothing for an edited script, whose manifest would not say what ran.',
  ];
}

/** One job's header: the task's own resources, on the queue's partition, account and site lines. */
function jobSbatch(t: Task, q: QueueSpec, dir: string): string[] {
  const r = t.resources;
  const limit = r.timeLimitS !== undefined ? Math.min(q.walltimeS, Math.ceil(r.timeLimitS) + STEPS_SLACK_S) : q.walltimeS;
  const bare = t.output.slice(t.output.lastIndexOf('.') + 1);
  const out = [`--job-name=lc-${bare}`, '--nodes=1', '--ntasks=1', `--cpus-per-task=${Math.max(1, Math.ceil(r.cpus))}`, `--time=${slurmTime(limit)}`];
  if (r.memoryBytes !== undefined) out.push(`--mem=${Math.ceil(r.memoryBytes / 2 ** 20)}M`);
  if (r.gpus > 0) out.push(`--gpus-per-node=${r.gpus}`);
  return [...out, ...siteOptions(q), `--output=${join(dir, 'slurm-%j.out')}`];
}

/**
 * The first queue whose nodes hold the task (as lc run --queue routes it); a task none holds is
 * refused before anything is written, with what each queue lacks.
 */
function queueFor(t: Task, queues: readonly QueueSpec[]): QueueSpec {
  const why: string[] = [];
  for (const q of queues) {
    const over = lacks(t, q);
    if (over === undefined) return q;
    why.push(over);
  }
  if (queues.length === 1) throw new LcError('QUEUE_INVALID', `task ${t.id} needs ${why[0]}: nothing written`, { hint: 'name a queue whose nodes can hold it' });
  const names = queues.map((q) => q.name).join(', ');
  throw new LcError('QUEUE_INVALID', `task ${t.id} fits none of queues ${names} (it needs ${why.join(' / ')}): nothing written`, {
    hint: 'add a queue whose nodes can hold it to the list',
  });
}

/** What a node of the queue lacks for the task, or undefined when it holds it (cpus not declared: any). */
function lacks(t: Task, q: QueueSpec): string | undefined {
  const r = t.resources;
  if (q.cpus !== undefined && r.cpus > q.cpus) return `${r.cpus} cpus; a node of queue ${q.name} has ${q.cpus}`;
  if (r.gpus > q.gpus) return `${r.gpus} gpus; a node of queue ${q.name} has ${q.gpus}`;
  if (q.memoryBytes !== undefined && r.memoryBytes !== undefined && r.memoryBytes > q.memoryBytes)
    return `${Math.round(r.memoryBytes / 2 ** 20)} MiB; a node of queue ${q.name} has ${Math.round(q.memoryBytes / 2 ** 20)} MiB`;
  return undefined;
}

function writeScript(path: string, text: string): void {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
}
