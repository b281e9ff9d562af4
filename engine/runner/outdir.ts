/**
 * Output directories before and after a task.
 *
 * emptyOutdir: the manifest goes first, so from that instant the dir never claims to be
 * complete; then every old entry is REMOVED (unlinked), never truncated or overwritten in
 * place: a file hardlinked into a sibling universe's dir by deduplication stays intact there.
 *
 * linkTree: give a deduplicated group member the leader's files as hardlinks (no bytes copied,
 * same inode, so the manifest writer can take the leader's data_version without re-hashing);
 * a copy when hardlinks are impossible (other file system, no permission, link limit).
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_NAME } from '../manifest/index.js';

export function emptyOutdir(absDir: string): void {
  if (!existsSync(absDir)) {
    mkdirSync(absDir, { recursive: true });
    return;
  }
  let entries;
  try {
    entries = readdirSync(absDir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw e;
    // A file where the output dir should be: replace it by the dir.
    unlinkSync(absDir);
    mkdirSync(absDir, { recursive: true });
    return;
  }
  if (entries.some((e) => e.name === MANIFEST_NAME)) unlinkSync(join(absDir, MANIFEST_NAME));
  for (const e of entries) {
    if (e.name === MANIFEST_NAME) continue;
    const p = join(absDir, e.name);
    if (e.isDirectory()) rmSync(p, { recursive: true, force: true });
    else unlinkSync(p);
  }
}

/**
 * Create the output dir ahead of time when it does not exist yet. Returns
 * true when this call created it: such a dir is empty and needs no emptying at start. An
 * existing dir is left alone here; emptyOutdir clears it once the task's slot is reserved.
 */
export async function createOutdirIfMissing(absDir: string): Promise<boolean> {
  try {
    return mkdirSync(absDir, { recursive: true }) !== undefined;
  } catch {
    return false; // something else is in the way: emptyOutdir deals with it
  }
}

export interface LinkStats {
  linked: number;
  copied: number;
}

/** Hardlink (or copy) every file of `src` into the empty dir `dst`, except manifests. */
export function linkTree(src: string, dst: string, stats: LinkStats = { linked: 0, copied: 0 }): LinkStats {
  mkdirSync(dst, { recursive: true });
  for (const e of readdirSync(src, { withFileTypes: true })) {
    if (e.name === MANIFEST_NAME) continue;
    const from = join(src, e.name);
    const to = join(dst, e.name);
    if (e.isDirectory()) {
      linkTree(from, to, stats);
    } else if (e.isFile() || e.isSymbolicLink()) {
      try {
        if (e.isSymbolicLink()) throw new Error('copy the target of a symlink');
        linkSync(from, to);
        stats.linked++;
      } catch {
        copyFileSync(from, to);
        stats.copied++;
      }
    }
  }
  return stats;
}
