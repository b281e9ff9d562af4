/**
 * verifyTasks: prove each materialised output is what its manifest says. Re-hash the bytes
 * (tampered_data), require a readable manifest (missing_manifest / unreadable), walk the chain
 * (every declared input recorded, every upstream manifest present with the recorded
 * data_version: broken_chain) and re-fingerprint external inputs (input_changed).
 *
 * Hashing runs in worker threads; unchanged directories are answered from the stat cache
 * (engine/hash/dir-cache.ts) unless `noCache`. With `refresh`, outputs that pass every check
 * get their files' current timestamps recorded in their manifest (refresh.ts).
 */
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { EngineContext } from '../context.js';
import type { Task } from '../dag/task.js';
import { LcError } from '../errors.js';
import { DirHashCache } from '../hash/dir-cache.js';
import { cacheKey, isRacy, nowNs } from '../hash/fingerprint.js';
import { HashPool } from '../hash/pool.js';
import { hashListing } from '../hash/sha256-dir.js';
import { listFilesSync, type DirListing } from '../hash/walk.js';
import { fingerprintExternal, modeOf } from '../manifest/inputs.js';
import { readManifestSync } from '../manifest/read.js';
import type { Manifest } from '../manifest/schema.js';
import { readManifestKeepingText, refreshStat, type ManifestRead } from './refresh.js';
import { adoptV1 } from './adopt.js';
import { inputContentHash } from '../manifest/input-hash.js';
import type { RefreshOutcome, VerifyOptions, VerifyProblem, VerifyResult } from './types.js';

export * from './types.js';

export async function verifyTasks(
  ctx: EngineContext,
  tasks: readonly Task[],
  opts: VerifyOptions = {},
): Promise<VerifyResult[]> {
  const jobs = Math.max(1, opts.jobs ?? availableParallelism());
  const pool = new HashPool(jobs);
  const cache = opts.noCache ? undefined : DirHashCache.load(ctx.scratch.cache);
  const env: Env = { ctx, pool, cache, refresh: opts.refresh === true, externals: new Map(), upstreams: new Map() };
  const results: VerifyResult[] = new Array<VerifyResult>(tasks.length);
  let next = 0;
  let done = 0;
  // A few more tasks in flight than threads, so listing and manifest reads overlap hashing.
  const lanes = Array.from({ length: Math.min(tasks.length, jobs + 2) }, async () => {
    while (next < tasks.length) {
      const i = next++;
      const r = await verifyOne(env, tasks[i] as Task);
      results[i] = r;
      opts.onResult?.(r, ++done, tasks.length);
    }
  });
  try {
    await Promise.all(lanes);
  } finally {
    await pool.close();
    cache?.save();
  }
  return results;
}

interface Env {
  ctx: EngineContext;
  pool: HashPool;
  cache: DirHashCache | undefined;
  refresh: boolean;
  /** External fingerprints by mode+path, computed once per verify. */
  externals: Map<string, Promise<string>>;
  upstreams: Map<string, UpstreamView>;
}

async function verifyOne(env: Env, task: Task): Promise<VerifyResult> {
  const absDir = join(env.ctx.root, task.outdir);
  const base = { id: task.id, universe: task.universe, output: task.output, outdir: task.outdir };
  const result = (problems: VerifyProblem[], extra: Partial<VerifyResult> = {}): VerifyResult => ({
    ...base,
    status: problems.length > 0 ? 'failed' : 'passed',
    passed: problems.length === 0,
    failure: problems[0]?.failure ?? null,
    detail: problems[0]?.detail ?? null,
    problems,
    actual: null,
    files: 0,
    bytes: 0,
    cached: false,
    // Replaced below for an output that passed; anything else is never refreshed.
    ...(env.refresh ? { refresh: { refreshed: false, reason: null } } : {}),
    ...extra,
  });
  if (!statSync(absDir, { throwIfNoEntry: false })?.isDirectory()) {
    return { ...result([]), status: 'not_materialised', passed: false };
  }
  // Sync read: manifests are small, and a thread-pool hop per read costs more than it saves.
  // A refresh keeps the text, to tell whether the manifest changed before rewriting it.
  const read: ManifestRead = env.refresh
    ? readManifestKeepingText(absDir)
    : { result: readManifestSync(absDir), text: null };
  const mr = read.result;
  if (mr.kind === 'missing') {
    // An empty dir (created for a run that failed or was stopped before writing) holds nothing
    // to verify; files without a manifest are outputs without provenance.
    if (isEmptyOutput(absDir)) return { ...result([]), status: 'not_materialised', passed: false };
    return result([
      { failure: 'missing_manifest', detail: `no manifest in ${task.outdir}: its files have no recorded provenance` },
    ]);
  }
  if (mr.kind === 'unreadable') return result([{ failure: 'unreadable', detail: mr.reason }]);
  const m = mr.manifest;
  let hashed: Hashed;
  try {
    hashed = await hashDirCached(env, absDir);
  } catch (e) {
    return result([{ failure: 'unreadable', detail: e instanceof LcError ? e.message : String(e) }]);
  }
  const problems: VerifyProblem[] = [];
  if (hashed.dataVersion !== m.data_version) {
    problems.push({
      failure: 'tampered_data',
      detail: `recorded '${m.data_version}' != actual '${hashed.dataVersion}'`,
    });
  }
  const inputs = await inputProblems(env, task, m);
  problems.push(...chainProblems(env, task, m), ...inputs.problems);
  return result(problems, {
    ...(task.container !== undefined && m.schema_version === 2 && m.runtime === 'none' ? { onHost: task.container } : {}),
    actual: hashed.dataVersion,
    files: hashed.files,
    bytes: hashed.bytes,
    cached: hashed.cached,
    ...(env.refresh && problems.length === 0 ? { refresh: await refreshOf(env, task, absDir, m, read.text, hashed, inputs.moved) } : {}),
  });
}

/** A verified output's refresh: new timestamps for ours, adoption for Lightcone's. */
function refreshOf(
  env: Env,
  task: Task,
  absDir: string,
  m: Manifest,
  text: string | null,
  hashed: Hashed,
  movedInputs: Record<string, string>,
): Promise<RefreshOutcome> {
  if (m.schema_version === 1) return adoptV1(env.ctx, task, m, text, { ...hashed.listing, dataVersion: hashed.dataVersion });
  return refreshStat(absDir, m, text, hashed.listing, movedInputs);
}

function isEmptyOutput(absDir: string): boolean {
  try {
    return listFilesSync(absDir).files === 0;
  } catch {
    return false;
  }
}

interface Hashed {
  dataVersion: string;
  files: number;
  bytes: number;
  cached: boolean;
  /** The listing whose bytes were hashed (or whose identity the cached hash was stored under). */
  listing: DirListing;
}

async function hashDirCached(env: Env, absDir: string): Promise<Hashed> {
  const listing: DirListing = listFilesSync(absDir);
  const key = cacheKey(listing.entries);
  const hit = env.cache?.get(absDir, key);
  if (hit) return { ...hit, cached: true, listing };
  const takenAt = nowNs();
  const r = await hashListing(listing, env.pool);
  if (env.cache && !isRacy(listing.entries, takenAt) && cacheKey(listFilesSync(absDir).entries) === key)
    env.cache.set(absDir, key, r);
  return { ...r, cached: false, listing };
}

function chainProblems(env: Env, task: Task, m: Manifest): VerifyProblem[] {
  const recorded = m.input_versions ?? {};
  const out: VerifyProblem[] = [];
  for (const input of task.inputs) {
    const rec = recorded[input.localId];
    if (rec === undefined) {
      out.push({ failure: 'broken_chain', detail: `input '${input.localId}' missing from manifest` });
      continue;
    }
    if (input.kind !== 'task') continue;
    const up = upstreamManifest(env, input.path);
    if (up.kind === 'missing')
      out.push({
        failure: 'broken_chain',
        detail: `upstream ${input.task} (input '${input.localId}') has no manifest`,
      });
    else if (up.kind === 'unreadable')
      out.push({
        failure: 'broken_chain',
        detail: `upstream ${input.task} (input '${input.localId}') manifest is unreadable: ${up.reason}`,
      });
    else if (up.dataVersion !== rec) {
      out.push({
        failure: 'broken_chain',
        detail: `upstream ${input.task} (input '${input.localId}') data_version drifted: recorded '${rec}', now '${up.dataVersion}'`,
      });
    }
  }
  return out;
}

type UpstreamView = { kind: 'missing' } | { kind: 'unreadable'; reason: string } | { kind: 'ok'; dataVersion: string };

/** Upstream manifests are small; each is read once per verify (many tasks share one upstream). */
function upstreamManifest(env: Env, relDir: string): UpstreamView {
  const hit = env.upstreams.get(relDir);
  if (hit) return hit;
  const r = readManifestSync(join(env.ctx.root, relDir));
  const view: UpstreamView = r.kind === 'ok' ? { kind: 'ok', dataVersion: r.manifest.data_version } : r;
  env.upstreams.set(relDir, view);
  return view;
}

/**
 * External inputs against what the manifest recorded. A file whose timestamps moved but whose
 * bytes hash to the recorded content hash (a copy) is no problem: it is returned in `moved`
 * with its fingerprint now, which a refresh records.
 */
async function inputProblems(env: Env, task: Task, m: Manifest): Promise<{ problems: VerifyProblem[]; moved: Record<string, string> }> {
  const recorded = m.input_versions ?? {};
  const hashes = m.schema_version === 2 ? (m.input_hashes ?? {}) : {};
  const problems: VerifyProblem[] = [];
  const moved: Record<string, string> = {};
  for (const input of task.inputs) {
    if (input.kind !== 'external') continue;
    const rec = recorded[input.localId];
    if (rec === undefined) continue;
    const now = await externalNow(env, input.path, input.source, modeOf(rec));
    if (now === rec) continue;
    const hash = hashes[input.localId];
    if (hash !== undefined && input.path !== undefined && now.startsWith('mtime-size:')) {
      const content = await inputContentHash(join(env.ctx.root, input.path), input.path, now, env.cache).catch(() => null);
      if (content === hash) {
        moved[input.localId] = now;
        continue;
      }
    }
    const where = input.path ?? input.source ?? input.localId;
    problems.push({ failure: 'input_changed', detail: `input '${input.localId}' (${where}): recorded '${rec}', now '${now}'` });
  }
  return { problems, moved };
}

function externalNow(
  env: Env,
  path: string | undefined,
  source: string | undefined,
  mode: 'mtime-size' | 'sha256',
): Promise<string> {
  if (path === undefined) return Promise.resolve(source ? `external:${source}` : 'missing');
  const k = `${mode}\u0000${path}`;
  let p = env.externals.get(k);
  if (!p) {
    p = fingerprintExternal(join(env.ctx.root, path), mode, env.cache).catch(
      (e: unknown) => `unreadable: ${e instanceof Error ? e.message : String(e)}`,
    );
    env.externals.set(k, p);
  }
  return p;
}
