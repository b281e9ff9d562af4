/**
 * Confirming a cached observation with stat calls only (see obs-cache.ts). Self-contained (they
 * use only their arguments) because the status prefetch worker runs them from source text, and
 * the main thread runs the very same functions.
 */
import type * as Fs from 'node:fs';

export interface ConfirmedFile {
  rel: string;
  abs: string;
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

/** The manifest file's identity `dev:ino:size:mtime_ns:ctime_ns`, 'missing', or 'error'. */
export function manifestIdentityWith(statSync: typeof Fs.statSync, absDir: string, manifestName: string): string {
  let st;
  try {
    st = statSync(absDir + '/' + manifestName, { bigint: true, throwIfNoEntry: false });
  } catch {
    return 'error';
  }
  if (!st) return 'missing';
  return st.dev + ':' + st.ino + ':' + st.size + ':' + st.mtimeNs + ':' + st.ctimeNs;
}

/**
 * The current files, when no directory mtime moved since the listing was cached (so the
 * cached names are still the names); undefined when anything moved or failed.
 */
export function confirmListingWith(
  statSync: typeof Fs.statSync,
  absDir: string,
  dirs: [string, string][] | null,
  files: string[] | null,
): ConfirmedFile[] | undefined {
  if (!dirs || !files) return undefined;
  try {
    for (const [rel, mtime] of dirs) {
      const d = statSync(rel === '' ? absDir : absDir + '/' + rel, { bigint: true, throwIfNoEntry: false });
      if (!d || !d.isDirectory() || String(d.mtimeNs) !== mtime) return undefined;
    }
    const entries: ConfirmedFile[] = [];
    for (const rel of files) {
      const abs = absDir + '/' + rel;
      const f = statSync(abs, { bigint: true, throwIfNoEntry: false });
      if (!f || !f.isFile()) return undefined;
      entries.push({ rel, abs, dev: f.dev, ino: f.ino, size: f.size, mtimeNs: f.mtimeNs, ctimeNs: f.ctimeNs });
    }
    return entries;
  } catch {
    return undefined;
  }
}
