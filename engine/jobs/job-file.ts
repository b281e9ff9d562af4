/**
 * The files of a hand-run job directory (`lc export job`), one directory per task:
 *
 *   run.sh       what runs: `lc job begin`, the task's exact command (in its container), then
 *                `lc job record` with the command's exit status
 *   job.json     what was exported (this schema): the task, its command, container, image and
 *                the hash of run.sh's body, so a run of an edited script records nothing
 *   begin.json   written by `lc job begin` just before the command: the inputs and code as they
 *                were then (what the manifest will claim); consumed by `lc job record`
 *   run.log      the command's output, also shown on the terminal (or in SLURM's output file)
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { deferred, once, zod } from '../lazy-zod.js';
import { LcError } from '../errors.js';

export const JOB_FILE_VERSION = 1;
export const JOB_FILE = 'job.json';
export const BEGIN_FILE = 'begin.json';
export const RUN_SCRIPT = 'run.sh';
export const RUN_LOG = 'run.log';

function build() {
  const z = zod();
  const ResourcesSchema = z.object({
    cpus: z.number(),
    gpus: z.number(),
    memoryBytes: z.number().optional(),
    timeLimitS: z.number().optional(),
  });
  const JobSchema = z.object({
    schema: z.literal('lc-job'),
    version: z.literal(JOB_FILE_VERSION),
    /** ISO time of the export. */
    exportedAt: z.string(),
    lcVersion: z.string(),
    /** Absolute project root: the job runs there. */
    project: z.string(),
    task: z.object({
      id: z.string(),
      universe: z.string(),
      output: z.string(),
      outdir: z.string(),
      /** The rendered command run.sh runs (before any container wrapper). */
      command: z.string(),
      /** The task's key: equal keys, same computation (recipe, container, decisions, inputs). */
      key: z.string(),
      resources: ResourcesSchema,
    }),
    /** The container the command runs in, as exported; absent: on the host. */
    container: z
      .object({
        /** The task's container declaration (its key). */
        spec: z.string(),
        runtime: z.string(),
        /** What the runtime is given. */
        image: z.string(),
        /** The image id it named at export (null: unknown, a SIF given by path). */
        id: z.string().nullable(),
      })
      .optional(),
    /** The queue whose `#SBATCH` header run.sh carries, if one was named. */
    queue: z.string().optional(),
    /** sha256 of run.sh without its `#SBATCH` lines (those may be edited; nothing else may). */
    scriptHash: z.string(),
  });
  const BeginSchema = z.object({
    schema: z.literal('lc-job-begin'),
    version: z.literal(JOB_FILE_VERSION),
    /** Epoch ms. */
    startedAt: z.number(),
    host: z.string(),
    slurmJobId: z.string().optional(),
    inputVersions: z.record(z.string(), z.string()),
    contentHashes: z.record(z.string(), z.string()),
    scripts: z.record(z.string(), z.string()),
    /** The container identity's `resolved` when the command started (what code_version hashes). */
    containerResolved: z.string().nullable(),
    /** The image id the runtime named when the command started. */
    imageId: z.string().nullable(),
  });
  return { JobSchema, BeginSchema };
}

const schemas = once(build);
export const JobSchema: ReturnType<typeof build>['JobSchema'] = deferred(() => schemas().JobSchema);
export const BeginSchema: ReturnType<typeof build>['BeginSchema'] = deferred(() => schemas().BeginSchema);
export type JobFile = ReturnType<ReturnType<typeof build>['JobSchema']['parse']>;
export type BeginFile = ReturnType<ReturnType<typeof build>['BeginSchema']['parse']>;

/** A job file read and checked; a missing or malformed one is an error naming the file. */
export function readJobFile<T>(dir: string, name: string, schema: z.ZodType<T>): T {
  const path = join(dir, name);
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch {
    const hint = name === BEGIN_FILE ? 'lc job begin runs first (run.sh does both); run the job again' : 'export the job with lc export job TARGET --to DIR';
    throw new LcError('JOB_INVALID', `${path}: not found`, { hint });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch (e) {
    throw new LcError('JOB_INVALID', `${path}: not JSON (${(e as Error).message})`, { hint: 'export the job again' });
  }
  const r = schema.safeParse(doc);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue?.path.map(String).join('.') || '(root)';
    throw new LcError('JOB_INVALID', `${path}: field ${field}: ${issue?.message ?? 'invalid'}`, { hint: 'export the job again' });
  }
  return r.data;
}

/** Written whole or not at all: a reader never sees half a file. */
export function writeJobFile(dir: string, name: string, doc: unknown): void {
  const path = join(dir, name);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(doc, null, 2) + '\n');
  renameSync(tmp, path);
}
