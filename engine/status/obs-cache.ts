/**
 * The status observation cache: what status learnt about each output dir last time, so the
 * next status can confirm it with a few stat calls instead of reading and parsing every
 * manifest and listing every directory (about 3 syscalls per task instead of 9; on Lustre,
 * open and readdir are the expensive metadata operations).
 *
 * Per output dir it keeps:
 *   - the manifest file's identity (dev, inode, size, mtime, ctime) and a slim view of it
 *     (view.ts: what status needs on the common path; the manifest is read again only when
 *     something differs and status must say what).
 *     A rewrite (atomic rename: new inode), an edit or a chmod (ctime) changes the identity;
 *     then the manifest is read and validated again.
 *   - when the files matched the manifest's stat fingerprint: the times of the dir and each
 *     subdir and the identity of each file (confirm.ts says why that is enough). Any change
 *     there and the dir is listed and fingerprinted again.
 * Entries whose times are younger than the racy window (racy-window.ts: 100 ms on local file
 * systems, 2 s on others) keep no tree, and a manifest
 * that young is not stored at all (a change within the same timestamp tick could go unseen,
 * git's "racy" case).
 *
 * One file per project and user in the scratch dir (layout: obs-cache-format.ts). It is a cache: unreadable, foreign or
 * damaged content is ignored, writes are atomic, and a long-lived process (the TUI) keeps it
 * in memory and re-reads it only when another process rewrote it.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CachedTree, StatIdentity } from './confirm.js';
import { decodeObservations, encodeObservations } from './obs-cache-format.js';
import { looksLikeSlim, type SlimView } from './view.js';

const MAX_ENTRIES = 500_000;

/** [manifest identity, slim view, tree of an output whose files matched its manifest, or null] */
export type CachedObservation = [StatIdentity, SlimView, CachedTree | null];

const loaded = new Map<string, { ident: string; cache: ObservationCache }>();

export class ObservationCache {
  readonly path: string;
  private readonly entries: Map<string, CachedObservation>;
  private dirty = false;

  private constructor(path: string, entries: Map<string, CachedObservation>) {
    this.path = path;
    this.entries = entries;
  }

  static load(cacheDir: string): ObservationCache {
    const path = observationCachePath(cacheDir);
    const ident = fileIdent(path);
    const memo = loaded.get(path);
    if (memo && memo.ident === ident) return memo.cache;
    const cache = new ObservationCache(path, ident === '' ? new Map() : readEntries(path));
    loaded.set(path, { ident, cache });
    return cache;
  }

  get(outdir: string): CachedObservation | undefined {
    const e = this.entries.get(outdir);
    return e && looksLikeSlim(e[1]) ? e : undefined;
  }

  set(outdir: string, e: CachedObservation): void {
    this.entries.set(outdir, e);
    this.dirty = true;
  }

  /** Write if anything changed. Failing to write (read-only scratch) is not an error. */
  save(): void {
    if (!this.dirty) return;
    try {
      mkdirSync(join(this.path, '..'), { recursive: true });
      let list = [...this.entries];
      if (list.length > MAX_ENTRIES) list = list.slice(list.length - MAX_ENTRIES);
      const tmp = `${this.path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
      writeFileSync(tmp, encodeObservations(list));
      renameSync(tmp, this.path);
      this.dirty = false;
      loaded.set(this.path, { ident: fileIdent(this.path), cache: this });
    } catch {
      // a cache that cannot be written only costs time
    }
  }
}

/** One file per user: a manifest one user may not read must not be vouched for by another's cache. */
export function observationCachePath(cacheDir: string): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return join(cacheDir, `status-observations-${uid}.json`);
}

function fileIdent(path: string): string {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.ino}:${st.size}:${st.mtimeNs}`;
  } catch {
    return '';
  }
}

function readEntries(path: string): Map<string, CachedObservation> {
  try {
    return decodeObservations(readFileSync(path, 'utf8'));
  } catch {
    return new Map(); // missing or unreadable: start empty
  }
}
