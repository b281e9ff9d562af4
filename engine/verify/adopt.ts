/**
 * Adopting a Lightcone (schema 1) manifest during `lc verify --refresh`. Lightcone did not
 * record the scripts a recipe runs, so lc reads such an output as stale (`script ... not
 * recorded`) and a run would redo the whole project. An output whose bytes, chain and inputs
 * verified, and whose recipe, container and decisions are the ones its manifest names, gets a
 * schema 2 manifest instead: what Lightcone recorded (data_version, input_versions, who, where,
 * when) is kept, the scripts are recorded as they are now, and `adopted.trusted` says that this
 * last part is trusted, not proven.
 */
import { join } from 'node:path';
import type { EngineContext } from '../context.js';
import type { Task } from '../dag/task.js';
import { errorMessage } from '../errors.js';
import type { DirListing } from '../hash/walk.js';
import { codeVersion } from '../manifest/definition.js';
import { snapshotInputs } from '../manifest/inputs.js';
import { buildManifest } from '../manifest/record.js';
import type { ManifestV1 } from '../manifest/schema.js';
import { statRecord } from '../manifest/stat-record.js';
import { writeOverVerified } from './refresh.js';
import type { RefreshOutcome } from './types.js';

/** What an adoption trusts rather than proves. */
export const ADOPTION_TRUSTS = 'scripts: the scripts as they were at adoption produced the outputs (Lightcone did not record them)';

export async function adoptV1(
  ctx: EngineContext,
  task: Task,
  v1: ManifestV1,
  text: string | null,
  hashed: DirListing & { dataVersion: string },
): Promise<RefreshOutcome> {
  const no = (reason: string): RefreshOutcome => ({ refreshed: false, reason });
  const absDir = join(ctx.root, task.outdir);
  let inputs;
  try {
    inputs = await snapshotInputs(ctx, task);
  } catch (e) {
    return no(`schema 1 manifest not adopted: cannot read its inputs (${errorMessage(e)})`);
  }
  const lightconeCode = codeVersion({ recipe: task.template, container: inputs.container.resolved, decisions: task.decisions, scripts: {} });
  if (v1.code_version !== lightconeCode) {
    return no('schema 1 manifest not adopted: its recipe, container or decisions are not those of the spec now (the output is stale)');
  }
  const finishedMs = (v1.finished_at ?? 0) * 1000;
  const run = { startedAt: finishedMs, finishedAt: finishedMs, exitCode: 0, host: v1.host ?? 'unknown', executor: 'lightcone' as const, attempt: 0, inputs };
  const hash = { dataVersion: hashed.dataVersion, files: hashed.files, bytes: hashed.bytes };
  const built = await buildManifest(ctx, task, run, hash, statRecord(hashed.entries));
  const manifest = {
    ...built,
    // what Lightcone recorded stays as it was
    input_versions: { ...built.input_versions, ...(v1.input_versions ?? {}) },
    git_sha: v1.git_sha ?? null,
    git_remote: v1.git_remote ?? null,
    lc_version: v1.lc_version ?? null,
    slurm_job_id: v1.slurm_job_id ?? null,
    worker_image: v1.worker_image ?? null,
    runtime: null, // Lightcone did not record where it ran the recipe
    adopted: { from_schema: 1 as const, lc_version: v1.lc_version ?? null, adopted_at: Date.now() / 1000, trusted: ['scripts'] },
  };
  // Only ever over the manifest and the files that were verified.
  const why = writeOverVerified(absDir, text, hashed, manifest);
  return why === null ? { refreshed: true, adopted: { scripts: Object.keys(manifest.scripts) } } : no(why);
}
