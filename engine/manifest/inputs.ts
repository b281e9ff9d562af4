/**
 * Input versions: what each declared input was when a task STARTED. Taking them before the
 * command runs (not after, like DVC did, treeverse/dvc#11058) means an input edited mid-run
 * shows up as changed on the next status instead of being silently blessed.
 *
 *   upstream task output -> that output's manifest data_version ("missing"/"unreadable" if none)
 *   external file        -> "mtime-size:<mtime_ns>-<bytes>" (default), "sha256:<hex>" (strict)
 *   external directory   -> its manifest's data_version when it has one, else sha256_dir
 *   nothing on disk      -> "missing"; a non-path locator (URI, loader name) -> "external:<locator>"
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineContext } from '../context.js';
import type { Task, TaskInput } from '../dag/task.js';
import { sha256FileSync } from '../hash/file-hash.js';
import { cacheKey, isRacy, nowNs } from '../hash/fingerprint.js';
import type { DirHashCache } from '../hash/dir-cache.js';
import { hashListing } from '../hash/sha256-dir.js';
import { hashInline } from '../hash/pool.js';
import { listFilesSync, type DirListing } from '../hash/walk.js';
import { DefinitionScan } from './definition.js';
import { inputContentHash } from './input-hash.js';
import type { ContainerIdentity } from './container.js';
import { readManifestSync } from './read.js';

/** Everything about a task's inputs and code that must be captured before it runs. Opaque to the runner. */
export interface InputSnapshot {
  /** `{input local id: version}`: becomes the manifest's `input_versions`. */
  inputVersions: Record<string, string>;
  /**
   * `{input local id: content hash}` of external files fingerprinted by mtime-size
   * (input-hash.ts). Pending while the task runs: a big input is hashed beside the task, not
   * before it; a file that changed meanwhile gets no hash.
   */
  contentHashes: Promise<Record<string, string>>;
  /** `{project-relative script path: sha256}` at start time. */
  scripts: Record<string, string>;
  container: ContainerIdentity;
  /** Epoch ms when the snapshot was taken. */
  takenAt: number;
}

export type FingerprintMode = 'mtime-size' | 'sha256';

export interface SnapshotOptions {
  /** `--strict-inputs`: fingerprint external files by content instead of mtime and size. */
  strict?: boolean;
  /**
   * @deprecated Ignored. A snapshot always looks at the scripts and Containerfile as they are
   * at that moment (a scan memoises per file, so one kept for a whole run would miss an edit
   * made mid-run). File hashes are still cached per process by stat identity, so this is cheap.
   */
  scan?: DefinitionScan;
  /** Verify hash cache for external directories. */
  dirCache?: DirHashCache;
  /**
   * data_version of upstream tasks this process recorded itself (task id -> version), so a run
   * need not read back, and zod-parse, a manifest it wrote moments ago. The run lock keeps any
   * other lc from rewriting those manifests meanwhile, so the value is what the file holds.
   */
  recorded?: ReadonlyMap<string, string>;
}

export async function snapshotInputs(
  ctx: EngineContext,
  task: Task,
  opts: SnapshotOptions = {},
): Promise<InputSnapshot> {
  const mode: FingerprintMode = opts.strict ? 'sha256' : 'mtime-size';
  const inputVersions: Record<string, string> = {};
  const hashes: Promise<[string, string | null]>[] = [];
  for (const input of task.inputs) {
    const known = input.kind === 'task' ? opts.recorded?.get(input.task) : undefined;
    const version = known ?? (await inputVersion(ctx.root, input, mode, opts.dirCache));
    inputVersions[input.localId] = version;
    if (input.kind === 'external' && input.path !== undefined && version.startsWith('mtime-size:')) {
      const h = inputContentHash(join(ctx.root, input.path), input.path, version, opts.dirCache).catch(() => null);
      hashes.push(h.then((v) => [input.localId, v]));
    }
  }
  const contentHashes = Promise.all(hashes).then((pairs) => {
    const out: Record<string, string> = {};
    for (const [id, h] of pairs) if (h !== null) out[id] = h;
    return out;
  });
  const scan = new DefinitionScan(ctx);
  return { inputVersions, contentHashes, scripts: scan.scriptsOf(task), container: scan.container(task), takenAt: Date.now() };
}

/** The current version of one input, in `mode` for external files. */
export async function inputVersion(
  root: string,
  input: TaskInput,
  mode: FingerprintMode,
  dirCache?: DirHashCache,
): Promise<string> {
  if (input.kind === 'task') return upstreamVersion(join(root, input.path));
  if (input.path === undefined) return input.source ? `external:${input.source}` : 'missing';
  return fingerprintExternal(join(root, input.path), mode, dirCache);
}

/** data_version of a materialised output dir, or "missing"/"unreadable". */
export function upstreamVersion(absDir: string): string {
  const r = readManifestSync(absDir);
  return r.kind === 'ok' ? r.manifest.data_version : r.kind;
}

/**
 * What both fingerprint paths share: a missing path, a file, or a directory known by its own
 * manifest or by the cache. Only a directory that must be hashed comes back unresolved.
 */
function fingerprintWithoutHashing(
  abs: string,
  mode: FingerprintMode,
  dirCache: DirHashCache | undefined,
): { value: string } | { listing: DirListing; key: string } {
  const st = statSync(abs, { bigint: true, throwIfNoEntry: false });
  if (!st) return { value: 'missing' };
  // A FIFO or device would block the hash (and status) forever, and has no stable identity.
  if (!st.isDirectory() && !st.isFile()) return { value: 'unreadable: not a regular file or directory' };
  if (!st.isDirectory())
    return { value: mode === 'sha256' ? sha256FileSync(abs) : `mtime-size:${st.mtimeNs}-${st.size}` };
  const m = readManifestSync(abs);
  if (m.kind === 'ok') return { value: m.manifest.data_version };
  const listing = listFilesSync(abs);
  const key = cacheKey(listing.entries);
  const hit = dirCache?.get(abs, key);
  return hit ? { value: hit.dataVersion } : { listing, key };
}

/** Lightcone's fingerprint_external, with an optional cache for directories. */
export async function fingerprintExternal(
  abs: string,
  mode: FingerprintMode,
  dirCache?: DirHashCache,
): Promise<string> {
  const known = fingerprintWithoutHashing(abs, mode, dirCache);
  if ('value' in known) return known.value;
  const r = await hashListing(known.listing);
  if (dirCache && !isRacy(known.listing.entries, nowNs())) dirCache.set(abs, known.key, r);
  return r.dataVersion;
}

/**
 * Synchronous fingerprint for status: files by stat (or their bytes in strict mode),
 * directories by manifest, cache, or an inline hash. Status keeps its single pass in order.
 */
export function fingerprintExternalSync(abs: string, mode: FingerprintMode, dirCache?: DirHashCache): string {
  const known = fingerprintWithoutHashing(abs, mode, dirCache);
  if ('value' in known) return known.value;
  const { listing, key } = known;
  const r = hashInline(listing.entries);
  const value = { dataVersion: r.dataVersion, files: listing.files, bytes: listing.bytes };
  if (dirCache && r.bytes === listing.bytes && !isRacy(listing.entries, nowNs())) dirCache.set(abs, key, value);
  return r.dataVersion;
}

/** The mode a recorded version was taken in, so re-checks compare like with like. */
export const modeOf = (recorded: string): FingerprintMode => (recorded.startsWith('sha256:') ? 'sha256' : 'mtime-size');
