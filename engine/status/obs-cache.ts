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
 *   - the mtime of the dir and of each subdir, and the names of the files in it. Adding,
 *     removing or renaming an entry changes its directory's mtime; then the dir is listed again.
 *     File contents are not cached: each file is stat'ed every time for the stat fingerprint.
 * Entries whose timestamps are younger than 2 s are not stored (a change within the same
 * timestamp tick could go unseen, git's "racy" case).
 *
 * One JSON file per project and user in the scratch dir. It is a cache: unreadable, foreign or
 * damaged content is ignored, writes are atomic, and a long-lived process (the TUI) keeps it
 * in memory and re-reads it only when another process rewrote it.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { looksLikeSlim, type SlimView } from './view.js';

const SCHEMA = 1;
const MAX_ENTRIES = 500_000;

/** [manifest identity, slim view, dirs ([rel, mtime]) or null, file names or null] */
export type CachedObservation = [string, SlimView, [string, string][] | null, string[] | null];

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
      writeFileSync(tmp, JSON.stringify({ schema: SCHEMA, entries: Object.fromEntries(list) }));
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
    const doc = JSON.parse(readFileSync(path, 'utf8')) as { schema?: unknown; entries?: unknown };
    if (doc.schema === SCHEMA && doc.entries && typeof doc.entries === 'object') {
      return new Map(
        Object.entries(doc.entries as Record<string, CachedObservation>).filter(
          ([, e]) => Array.isArray(e) && e.length === 4,
        ),
      );
    }
  } catch {
    // missing or damaged: start empty
  }
  return new Map();
}
