/**
 * Listing an output directory the way `sha256_dir` sees it: every regular file below it
 * (symlinks to regular files count, symlinked directories are not descended, like Python's
 * rglob), minus the manifest and Snakemake's timestamp file at any depth, sorted by relative
 * POSIX path in code-point order. One stat per file gives what both the hash cache and the
 * status fingerprint need, so nothing stats twice.
 */
import { readdirSync, statSync, type BigIntStats, type Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { LcError } from '../errors.js';
import { compareCodePoints } from './order.js';

/** Basenames `sha256_dir` never hashes, at any depth (Lightcone compatibility). */
export const EXCLUDED_BASENAMES: ReadonlySet<string> = new Set(['.lightcone-manifest.json', '.snakemake_timestamp']);

export interface FileEntry {
  /** Relative POSIX path below the listed directory. */
  rel: string;
  abs: string;
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

export interface DirListing {
  entries: FileEntry[];
  files: number;
  bytes: number;
  /**
   * With `{ dirs: true }`: `[relative dir ('' = the listed dir), mtime_ns]` of every directory
   * walked, each stat'ed BEFORE it was read, so a later change always shows as a newer mtime.
   */
  dirs?: [string, string][];
}

/**
 * List `absDir` synchronously. Sync calls are about 3x faster than fs/promises here (no
 * thread-pool hop per file), which matters when status lists 10,000 small output dirs.
 * Throws LcError('DIR_UNREADABLE') naming the path that failed; ENOENT of `absDir` itself is
 * reported with code 'DIR_MISSING'.
 */
export function listFilesSync(absDir: string, opts: { dirs?: boolean } = {}): DirListing {
  const entries: FileEntry[] = [];
  const dirs: [string, string][] | undefined = opts.dirs ? [] : undefined;
  walk(absDir, '', entries, true, dirs);
  entries.sort((a, b) => compareCodePoints(a.rel, b.rel));
  let bytes = 0;
  for (const e of entries) bytes += Number(e.size);
  return dirs ? { entries, files: entries.length, bytes, dirs } : { entries, files: entries.length, bytes };
}

function walk(
  absDir: string,
  relDir: string,
  out: FileEntry[],
  top: boolean,
  dirs: [string, string][] | undefined,
): void {
  let dirents: Dirent[];
  try {
    if (dirs) dirs.push([relDir, String(statSync(absDir, { bigint: true }).mtimeNs)]);
    dirents = readdirSync(absDir, { withFileTypes: true });
  } catch (e) {
    throw ioError(e, absDir, top);
  }
  for (const d of dirents) {
    const name = d.name;
    if (EXCLUDED_BASENAMES.has(name)) continue;
    const abs = absDir + '/' + name;
    const rel = relDir === '' ? name : relDir + '/' + name;
    if (d.isDirectory()) {
      walk(abs, rel, out, false, dirs);
    } else if (d.isFile() || d.isSymbolicLink()) {
      // A symlink counts only when it resolves to a regular file; dangling or looping links
      // are skipped, as Python's Path.is_file() does.
      const st = statOrSkip(abs);
      if (!st || !st.isFile()) continue;
      out.push({ rel, abs, dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs });
    }
  }
}

/**
 * Async variant for filesystems where each call has real latency (NFS, Lustre): the caller
 * runs many of these concurrently instead of waiting on one round trip at a time.
 */
export async function listFilesAsync(absDir: string): Promise<DirListing> {
  const entries: FileEntry[] = [];
  await walkAsync(absDir, '', entries, true);
  entries.sort((a, b) => compareCodePoints(a.rel, b.rel));
  let bytes = 0;
  for (const e of entries) bytes += Number(e.size);
  return { entries, files: entries.length, bytes };
}

async function walkAsync(absDir: string, relDir: string, out: FileEntry[], top: boolean): Promise<void> {
  let dirents: Dirent[];
  try {
    dirents = await readdir(absDir, { withFileTypes: true });
  } catch (e) {
    throw ioError(e, absDir, top);
  }
  await Promise.all(
    dirents.map(async (d) => {
      const name = d.name;
      if (EXCLUDED_BASENAMES.has(name)) return;
      const abs = absDir + '/' + name;
      const rel = relDir === '' ? name : relDir + '/' + name;
      if (d.isDirectory()) return walkAsync(abs, rel, out, false);
      if (!d.isFile() && !d.isSymbolicLink()) return;
      const st = await stat(abs, { bigint: true }).catch((e: unknown) => {
        if (SKIP_ERRNO.has((e as NodeJS.ErrnoException).code ?? '')) return undefined;
        throw ioError(e, abs, false);
      });
      if (!st || !st.isFile()) return;
      out.push({ rel, abs, dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs });
    }),
  );
}

/** The errors Python's Path.is_file() turns into False; anything else (EACCES, EIO) is real. */
const SKIP_ERRNO = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'EBADF']);

export function statOrSkip(abs: string): BigIntStats | undefined {
  try {
    return statSync(abs, { bigint: true });
  } catch (e) {
    if (SKIP_ERRNO.has((e as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw ioError(e, abs, false);
  }
}

function ioError(e: unknown, path: string, top: boolean): LcError {
  const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
  if (top && code === 'ENOENT')
    return new LcError('DIR_MISSING', `directory ${path} does not exist`, { context: { path } });
  const why = e instanceof Error ? e.message : String(e);
  return new LcError('DIR_UNREADABLE', `cannot list ${path}: ${code}`, { context: { path, errno: code, why } });
}
