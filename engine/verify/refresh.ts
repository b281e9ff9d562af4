/**
 * `lc verify --refresh`: once an output passed every check (its bytes hash to the recorded
 * data_version, its chain and inputs match), record its files' current timestamps in the
 * manifest's `stat` block, so `lc status` stops calling a copied (`cp -r`) or touched project
 * `modified`; and the fingerprints of external input files whose timestamps moved while their
 * bytes still hash to the recorded `input_hashes`, so their readers stop reading stale. No
 * other field of the manifest changes.
 *
 * A refresh must only ever record the stat of the bytes that were hashed, so it is refused when
 *  - the files changed between the listing that was hashed and a listing taken just before the
 *    write (relative path, dev, inode, size, mtime and ctime of every file: the same identity
 *    the hash cache is keyed by; ctime catches an edit whose mtime was put back);
 *  - the manifest changed since verify read it (its text is read again just before the write);
 *  - the manifest is schema 1 (Lightcone's: it has no stat block; adopt.ts replaces it instead).
 * The caller holds the project run lock, so no `lc run` rewrites manifests meanwhile.
 */
import { cacheKey } from '../hash/fingerprint.js';
import { listFilesSync, type DirListing, type FileEntry } from '../hash/walk.js';
import { parseManifestText, readManifestTextSync, type ReadManifestResult } from '../manifest/read.js';
import type { Manifest, ManifestV2 } from '../manifest/schema.js';
import { statRecord } from '../manifest/stat-record.js';
import { writeManifestAtomic } from '../manifest/write.js';
import type { RefreshOutcome } from './types.js';

/** A manifest read together with the exact text it was parsed from (null when that could not be kept). */
export interface ManifestRead {
  result: ReadManifestResult;
  text: string | null;
}

/** Read `<absDir>`'s manifest keeping its text, which a refresh compares with the file before writing. */
export function readManifestKeepingText(absDir: string): ManifestRead {
  const r = readManifestTextSync(absDir);
  // When there is no text, the reader says what is wrong (missing, permission denied, a FIFO, ...).
  if (r.kind !== 'text') return { result: r, text: null };
  return { result: parseManifestText(r.text), text: r.text };
}

/** True when both listings name the same files with the same dev, inode, size, mtime and ctime. */
export function sameListing(a: readonly FileEntry[], b: readonly FileEntry[]): boolean {
  return cacheKey(a) === cacheKey(b);
}

const notRefreshed = (reason: string | null): RefreshOutcome => ({ refreshed: false, reason });

/**
 * Record the stat of `hashed` (the listing whose bytes matched the manifest) in the manifest of
 * `absDir`, if it differs from what the manifest holds and nothing moved since. `manifest` and
 * `text` are what verify read before hashing. A failed write is an outcome, not an error: the
 * output still verified.
 */
export async function refreshStat(
  absDir: string,
  manifest: Manifest,
  text: string | null,
  hashed: DirListing,
  movedInputs: Record<string, string> = {},
): Promise<RefreshOutcome> {
  if (manifest.schema_version !== 2) return notRefreshed('schema 1 manifest (written by Lightcone): left unchanged');
  const stat = statRecord(hashed.entries);
  const inputs = Object.keys(movedInputs).length > 0;
  if (stat.fingerprint === manifest.stat.fingerprint && !inputs) return notRefreshed(null);
  if (text === null) return notRefreshed('manifest changed while verifying');
  // From the text, not the parsed manifest: every other field goes back exactly as it was read.
  const old = JSON.parse(text) as ManifestV2;
  const why = writeOverVerified(absDir, text, hashed, { ...old, stat, input_versions: { ...old.input_versions, ...movedInputs } });
  return why === null ? { refreshed: true } : notRefreshed(why);
}

/**
 * Write `doc` as the manifest of `absDir` only if the manifest is still `text` and the files
 * still the `hashed` listing (what was verified); else, or when the write fails, say why.
 */
export function writeOverVerified(absDir: string, text: string | null, hashed: DirListing, doc: ManifestV2): string | null {
  if (text === null || readTextOrNull(absDir) !== text) return 'manifest changed while verifying';
  let after: DirListing;
  try {
    after = listFilesSync(absDir);
  } catch (e) {
    return `cannot list the files again: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (!sameListing(hashed.entries, after.entries)) return 'files changed while verifying';
  try {
    writeManifestAtomic(absDir, doc);
  } catch (e) {
    return `cannot write the manifest: ${writeError(e)}`;
  }
  return null;
}

function readTextOrNull(absDir: string): string | null {
  const r = readManifestTextSync(absDir);
  return r.kind === 'text' ? r.text : null;
}

function writeError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return `${code} (permission denied)`;
  if (code === 'EROFS') return 'EROFS (read-only file system)';
  if (code === 'ENOSPC') return 'ENOSPC (no space left on device)';
  return code ?? (e instanceof Error ? e.message : String(e));
}
