/**
 * Cheap identities of a directory listing, computed from stat data only (no file bytes).
 *
 * - `statFingerprint`: what `lc status` compares to detect `modified` outputs. It covers each
 *   file's relative path, size and mtime (ns), and deliberately NOT dev/inode, so copying a
 *   project with `cp -a`/`rsync -a` (which keep mtimes) does not flag every output.
 * - `cacheKey`: what the verify hash cache is keyed by. It is stricter: dev, inode, size, mtime
 *   and ctime of every file. ctime cannot be set from user space, so restoring an mtime with
 *   `touch -d` after editing a file still invalidates the cached hash.
 */
import { sha256Of } from './fast-hash.js';
import type { FileEntry } from './walk.js';

export function statFingerprint(entries: readonly Pick<FileEntry, 'rel' | 'size' | 'mtimeNs'>[]): string {
  let s = '';
  for (const e of entries) s += e.rel + '\u0000' + e.size + '\u0000' + e.mtimeNs + '\n';
  return 'stat:' + sha256Of(s);
}

export function cacheKey(entries: readonly FileEntry[]): string {
  let s = '';
  for (const e of entries)
    s += `${e.rel}\u0000${e.dev}\u0000${e.ino}\u0000${e.size}\u0000${e.mtimeNs}\u0000${e.ctimeNs}\n`;
  return sha256Of(s);
}

/**
 * True when some file changed so recently that another write within the filesystem's timestamp
 * granularity could leave size and times unchanged (git's "racy" case). Such listings are
 * hashed but never cached.
 */
export function isRacy(entries: readonly FileEntry[], nowNs: bigint, windowNs = 2_000_000_000n): boolean {
  const limit = nowNs - windowNs;
  for (const e of entries) if (e.mtimeNs > limit || e.ctimeNs > limit) return true;
  return false;
}

export const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;
