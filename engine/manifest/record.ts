/**
 * recordSuccess: turn a finished task into a manifest. Called by the runner after the command
 * exited 0. Order: hash the outputs, build every field, validate the record against our own
 * schema, write it atomically, forget the last failure, then run the output-type checks
 * (warnings only).
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { EngineContext } from '../context.js';
import type { Task } from '../dag/task.js';
import { LcError } from '../errors.js';
import type { Resources } from '../astra/model.js';
import { statFingerprint } from '../hash/fingerprint.js';
import { hashListing, type DirHash } from '../hash/sha256-dir.js';
import { listFilesSync, type DirListing, type FileEntry } from '../hash/walk.js';
import { clearFailure } from '../status/failures.js';
import { toolVersion } from './tool-version.js';
import { codeVersion } from './definition.js';
import { gitInfo } from './git.js';
import type { InputSnapshot } from './inputs.js';
import { readManifestSync } from './read.js';
import { MANIFEST_SCHEMA_VERSION, ManifestV2Schema, TOOL_NAME, type InputRecord, type ManifestV2 } from './schema.js';
import { statRecord } from './stat-record.js';
import { validateOutput } from './validate-output.js';
import { MANIFEST_TEMP_PREFIX, removeStaleTemps, writeManifestAtomic } from './write.js';

export { MAX_STAT_ENTRIES } from './stat-record.js';

export interface RunRecord {
  /** Epoch milliseconds. */
  startedAt: number;
  /** Epoch milliseconds. */
  finishedAt: number;
  exitCode: number;
  host: string;
  /** `lightcone`: a manifest Lightcone wrote, adopted by `lc verify --refresh`; `job`: an exported job run by hand or by sbatch. */
  executor: 'local' | 'dask' | 'lightcone' | 'job';
  attempt: number;
  /** Taken by snapshotInputs BEFORE the command started. */
  inputs: InputSnapshot;
  /** Leader task id when the outputs were hardlinked/copied from the group leader. */
  dedupFrom?: string;
  slurmJobId?: string;
  /** Container runtime used (`podman`, `docker`, ...); default: `none` (on the host). */
  runtime?: string;
  /** The image the runtime executed (its id), when the recipe ran in a container. */
  imageId?: string;
  /** Image actually used (tag or digest), when the executor knows it better than the spec. */
  resolvedImage?: string;
}

export async function recordSuccess(
  ctx: EngineContext,
  task: Task,
  run: RunRecord,
): Promise<{ manifest: ManifestV2; warnings: string[] }> {
  const absDir = join(ctx.root, task.outdir);
  let listing: DirListing;
  try {
    listing = listFilesSync(absDir);
    // A temp file left by a writer killed mid-write would be hashed as output: remove and look
    // again. Checked on the listing we take anyway, not with a readdir of its own per task.
    if (listing.entries.some((e) => e.rel.startsWith(MANIFEST_TEMP_PREFIX))) {
      await removeStaleTemps(absDir);
      listing = listFilesSync(absDir);
    }
  } catch (e) {
    if (e instanceof LcError && e.code === 'DIR_MISSING') {
      throw new LcError('OUTPUT_MISSING', `Output directory missing after successful run: ${task.outdir}`, {
        context: { task: task.id },
      });
    }
    throw e;
  }
  const hash = (run.dedupFrom && sameInodesAsLeader(ctx, run.dedupFrom, listing)) || (await hashListing(listing));
  const after = listFilesSync(absDir);
  const fingerprint = statFingerprint(listing.entries);
  if (statFingerprint(after.entries) !== fingerprint) {
    throw new LcError('OUTPUT_CHANGED', `files in ${task.outdir} changed while they were hashed; no manifest written`, {
      context: { task: task.id },
    });
  }
  const manifest = await buildManifest(ctx, task, run, hash, statRecord(listing.entries, fingerprint));
  writeManifestAtomic(absDir, manifest);
  clearFailure(ctx.scratch, task.id);
  return { manifest, warnings: validateOutput(task.outdir, task.type, task.output, listing.entries) };
}

/**
 * The manifest of `task` for outputs hashed to `hash` with files `stat`, validated against our
 * schema (a record that does not fit it is an internal error, never written).
 */
export async function buildManifest(
  ctx: EngineContext,
  task: Task,
  run: RunRecord,
  hash: DirHash,
  stat: ManifestV2['stat'],
): Promise<ManifestV2> {
  const git = await gitInfo(ctx.root);
  const snap = run.inputs;
  const manifest: ManifestV2 = {
    schema_version: MANIFEST_SCHEMA_VERSION,
    output_id: bareOutputId(task.output),
    qualified_output: task.output,
    universe_id: task.universe,
    task_key: task.key,
    code_version: codeVersion({
      recipe: task.template,
      container: snap.container.resolved,
      decisions: task.decisions,
      scripts: snap.scripts,
    }),
    data_version: hash.dataVersion,
    container_image: snap.container.raw,
    resolved_image: run.resolvedImage ?? snap.container.resolved,
    ...(snap.container.files ? { container_files: snap.container.files } : {}),
    // lc runs recipes on the host until it runs them in containers: say so, never leave it open
    runtime: run.runtime ?? 'none',
    ...(run.imageId !== undefined ? { image_id: run.imageId } : {}),
    recipe: task.template,
    command: task.command,
    decisions: { ...task.decisions },
    scripts: { ...snap.scripts },
    resources: resourcesRecord(task.resources),
    inputs: inputsRecord(task),
    input_versions: { ...snap.inputVersions },
    input_hashes: { ...(await snap.contentHashes) },
    git_sha: git.sha,
    git_remote: git.remote,
    lc_version: toolVersion(),
    tool: { name: TOOL_NAME, version: toolVersion() },
    started_at: run.startedAt / 1000,
    finished_at: run.finishedAt / 1000,
    duration_s: Math.max(0, (run.finishedAt - run.startedAt) / 1000),
    exit_code: run.exitCode,
    attempt: run.attempt,
    host: run.host || hostname(),
    executor: run.executor,
    slurm_job_id: run.slurmJobId ?? process.env.SLURM_JOB_ID ?? null,
    worker_image: process.env.LIGHTCONE_WORKER_IMAGE ?? null,
    files: { count: hash.files, bytes: hash.bytes },
    stat,
    deduplicated_from: run.dedupFrom ?? null,
  };
  const checked = ManifestV2Schema.safeParse(manifest);
  if (!checked.success) {
    throw new LcError(
      'MANIFEST_INVALID',
      `internal: manifest for ${task.id} does not match its schema: ${checked.error.message}`,
    );
  }
  return manifest;
}

/**
 * A deduplicated member whose files are hardlinks of the leader's (same dev+inode, so the same
 * bytes by construction) and whose leader still matches its own manifest gets the leader's
 * data_version without reading a byte. Anything else (copies, extra files) is hashed.
 */
function sameInodesAsLeader(ctx: EngineContext, leaderId: string, mine: DirListing): DirHash | undefined {
  const leader = ctx.dag.byId.get(leaderId);
  if (!leader) return undefined;
  const leaderDir = join(ctx.root, leader.outdir);
  const m = readManifestSync(leaderDir);
  if (m.kind !== 'ok' || m.manifest.schema_version !== 2) return undefined;
  let theirs: DirListing;
  try {
    theirs = listFilesSync(leaderDir);
  } catch {
    return undefined;
  }
  if (statFingerprint(theirs.entries) !== m.manifest.stat.fingerprint) return undefined;
  if (theirs.entries.length !== mine.entries.length) return undefined;
  for (let i = 0; i < mine.entries.length; i++) {
    const a = mine.entries[i] as FileEntry;
    const b = theirs.entries[i] as FileEntry;
    if (a.rel !== b.rel || a.dev !== b.dev || a.ino !== b.ino) return undefined;
  }
  return { dataVersion: m.manifest.data_version, files: mine.files, bytes: mine.bytes };
}

export const bareOutputId = (qid: string): string => qid.slice(qid.lastIndexOf('.') + 1);

function resourcesRecord(r: Resources): ManifestV2['resources'] {
  return {
    cpus: r.cpus,
    gpus: r.gpus,
    memory_bytes: r.memoryBytes ?? null,
    time_limit_s: r.timeLimitS ?? null,
    disk_bytes: r.diskBytes ?? null,
  };
}

function inputsRecord(task: Task): Record<string, InputRecord> {
  const out: Record<string, InputRecord> = {};
  for (const i of task.inputs) {
    out[i.localId] =
      i.kind === 'task'
        ? { kind: 'task', task: i.task, path: i.path }
        : {
            kind: 'external',
            ...(i.path !== undefined ? { path: i.path } : {}),
            ...(i.source !== undefined ? { source: i.source } : {}),
          };
  }
  return out;
}
