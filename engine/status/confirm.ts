/**
 * Confirming a cached observation (obs-cache.ts) with stat calls and number comparisons only:
 * no manifest read, no directory listing, no hashing.
 *
 * What is compared, and why it is enough:
 *   - the manifest file: dev, inode, size, mtime, ctime. An atomic rewrite gives a new inode;
 *     an in-place edit or a chmod moves ctime.
 *   - every directory of the output: mtime and ctime. Adding, removing or renaming an entry
 *     moves its directory's times.
 *   - every file: inode, size, mtime, ctime. Writing to a file moves mtime and ctime; `touch -d`
 *     can put mtime back but not ctime, which the kernel always sets to now.
 * The cache keeps a tree only for outputs whose files matched the manifest's stat fingerprint
 * and whose times were all older than the racy window, so "every number equal" means "still
 * matches" without computing the fingerprint again.
 *
 * Numbers, not BigInt: stat with `bigint: true` allocates about 1.4 KB per call (BigInts and
 * Dates); 30,000 of them per status of 10,000 tasks were the largest source of garbage. Times
 * as float milliseconds resolve to under a microsecond today, and any real change moves ctime
 * by at least the racy window (100 ms or more), so nothing is lost for this comparison.
 *
 * Self-contained (they use only their arguments) because the status prefetch worker runs
 * them from source text, and the main thread runs the very same functions.
 */
import type * as Fs from 'node:fs';

/** Manifest identity: [dev, ino, size, mtimeMs, ctimeMs]. */
export type StatIdentity = [number, number, number, number, number];
/** [relative dir ('' = the output dir), mtimeMs, ctimeMs] */
export type CachedDir = [string, number, number];
/** [relative path, ino, size, mtimeMs, ctimeMs] */
export type CachedFile = [string, number, number, number, number];
/** The dirs and files of an output dir, when they matched the manifest's fingerprint. */
export type CachedTree = [CachedDir[], CachedFile[]];

/** The manifest file's identity, undefined when it is missing, or 'error' when stat failed. */
export function manifestIdentityWith(
  statSync: typeof Fs.statSync,
  absDir: string,
  manifestName: string,
): StatIdentity | undefined | 'error' {
  let st;
  try {
    st = statSync(absDir + '/' + manifestName, { throwIfNoEntry: false });
  } catch {
    return 'error';
  }
  if (!st) return undefined;
  return [st.dev, st.ino, st.size, st.mtimeMs, st.ctimeMs];
}

export function sameIdentity(a: readonly number[], b: unknown): boolean {
  if (!Array.isArray(b) || b.length !== a.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True when every dir and file of the cached tree is unchanged; false on any doubt. */
export function confirmTreeWith(statSync: typeof Fs.statSync, absDir: string, tree: unknown): boolean {
  if (!Array.isArray(tree) || tree.length !== 2 || !Array.isArray(tree[0]) || !Array.isArray(tree[1])) return false;
  try {
    for (const d of tree[0] as CachedDir[]) {
      const st = statSync(d[0] === '' ? absDir : absDir + '/' + d[0], { throwIfNoEntry: false });
      if (!st || !st.isDirectory() || st.mtimeMs !== d[1] || st.ctimeMs !== d[2]) return false;
    }
    for (const f of tree[1] as CachedFile[]) {
      const st = statSync(absDir + '/' + f[0], { throwIfNoEntry: false });
      if (!st || !st.isFile() || st.ino !== f[1] || st.size !== f[2] || st.mtimeMs !== f[3] || st.ctimeMs !== f[4])
        return false;
    }
    return true;
  } catch {
    return false;
  }
}
