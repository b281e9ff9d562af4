/**
 * The verify hash cache: whole-directory results keyed by the stat identity of every file in
 * the directory.
 *
 * Why whole directories: `sha256_dir` is ONE running hash over all files in order, so cached
 * per-file digests cannot be combined into it; the only reusable unit is the directory. A
 * directory whose listing (relative paths, dev, inode, size, mtime_ns, ctime_ns of every file)
 * is unchanged since it was hashed gets its recorded result back without reading a byte. A
 * change to any file, an added, removed or renamed file, changes the key and forces a full
 * hash of that directory.
 *
 * Stored as one JSON file per project in the scratch dir (`<cache>/dir-hashes.json`). It is a
 * cache: an unreadable or foreign file is ignored, writes are atomic, and concurrent writers
 * merge with what is on disk (last writer wins per directory).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { once, zod } from '../lazy-zod.js';

export const DIR_CACHE_FILE = 'dir-hashes.json';
const DIR_CACHE_SCHEMA = 1;
/** Keep the file bounded: beyond this, the least recently stored entries are dropped. */
const MAX_ENTRIES = 200_000;

/** Built on first use (see lazy-zod.ts): only projects with external input dirs have a cache file. */
function buildSchemas() {
  const z = zod();
  const EntrySchema = z.object({
    key: z.string(),
    data_version: z.string(),
    files: z.number(),
    bytes: z.number(),
    stored_at: z.number(),
  });
  const FileSchema = z.object({ schema: z.literal(DIR_CACHE_SCHEMA), dirs: z.record(z.string(), EntrySchema) });
  return { EntrySchema, FileSchema };
}
const schemas = once(buildSchemas);

type Entry = z.infer<ReturnType<typeof buildSchemas>['EntrySchema']>;

export interface CachedDirHash {
  dataVersion: string;
  files: number;
  bytes: number;
}

export class DirHashCache {
  private readonly path: string;
  private readonly dirs: Map<string, Entry>;
  private readonly changed = new Map<string, Entry>();

  private constructor(path: string, dirs: Map<string, Entry>) {
    this.path = path;
    this.dirs = dirs;
  }

  /** Load the cache of one project (`scratch.cache`); missing or corrupt files give an empty cache. */
  static load(cacheDir: string): DirHashCache {
    const path = join(cacheDir, DIR_CACHE_FILE);
    return new DirHashCache(path, readEntries(path));
  }

  get(absDir: string, key: string): CachedDirHash | undefined {
    const e = this.dirs.get(absDir);
    if (!e || e.key !== key) return undefined;
    return { dataVersion: e.data_version, files: e.files, bytes: e.bytes };
  }

  set(absDir: string, key: string, v: CachedDirHash): void {
    const e: Entry = { key, data_version: v.dataVersion, files: v.files, bytes: v.bytes, stored_at: Date.now() };
    this.dirs.set(absDir, e);
    this.changed.set(absDir, e);
  }

  /** Write new entries (merged over the file's current content). A failure to write is not an error. */
  save(): void {
    if (this.changed.size === 0) return;
    try {
      const merged = readEntries(this.path);
      for (const [k, v] of this.changed) merged.set(k, v);
      let list = [...merged.entries()];
      if (list.length > MAX_ENTRIES) list = list.sort((a, b) => b[1].stored_at - a[1].stored_at).slice(0, MAX_ENTRIES);
      mkdirSync(join(this.path, '..'), { recursive: true });
      const tmp = `${this.path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
      writeFileSync(tmp, JSON.stringify({ schema: DIR_CACHE_SCHEMA, dirs: Object.fromEntries(list) }));
      renameSync(tmp, this.path);
      this.changed.clear();
    } catch {
      // The cache only saves time; a read-only scratch dir must not fail a verify.
    }
  }
}

/** Read the file before touching the schema: most projects have none, and zod costs ~60 ms to load. */
function readEntries(path: string): Map<string, Entry> {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return new Map(); // missing or not JSON: start empty
  }
  const parsed = schemas().FileSchema.safeParse(doc);
  return parsed.success ? new Map(Object.entries(parsed.data.dirs)) : new Map();
}
