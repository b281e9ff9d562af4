/**
 * The content hash of an external input file, recorded next to its fast `mtime-size`
 * fingerprint (the manifest's `input_hashes`). A copy (`cp -r`, `rsync` without `-t`) moves an
 * input's timestamps but not its bytes: with this hash `lc verify --refresh` can tell the two
 * apart and record the new timestamps instead of lc re-running everything downstream.
 *
 * The value is `sha256_dir` of the one file under its project-relative path (Lightcone's
 * framing), computed in the hash workers while the task runs (it delays only the manifest of a
 * task shorter than the hash), and cached by the file's stat identity (device, inode, size,
 * mtime, ctime) in the project's hash cache: each distinct input version is read once, by the
 * first run that uses it; `lc status` never reads input bytes.
 */
import { statSync } from 'node:fs';
import type { DirHashCache } from '../hash/dir-cache.js';
import { cacheKey, isRacy, nowNs } from '../hash/fingerprint.js';
import { hashListing } from '../hash/sha256-dir.js';
import type { FileEntry } from '../hash/walk.js';

/** Hashes being computed, so tasks that start together read a shared input once. */
const inFlight = new Map<string, Promise<string | null>>();

/**
 * The content hash of the regular file `abs` (`rel`: its project-relative path), or null when
 * it is not one, or when it is no longer the file fingerprinted as `fingerprint` (`mtime-size`)
 * by the time its bytes were read: a hash must describe the version the task was started with.
 */
export async function inputContentHash(abs: string, rel: string, fingerprint: string, cache?: DirHashCache): Promise<string | null> {
  const entry = entryOf(abs, rel);
  if (!entry || `mtime-size:${entry.mtimeNs}-${entry.size}` !== fingerprint) return null;
  const key = cacheKey([entry]);
  const hit = cache?.get(abs, key);
  if (hit) return hit.dataVersion;
  const flightKey = `${abs}\u0000${key}`;
  let p = inFlight.get(flightKey);
  if (!p) {
    const takenAt = nowNs();
    p = hashListing({ entries: [entry], files: 1, bytes: Number(entry.size) }).then((r) => {
      const after = entryOf(abs, rel);
      if (!after || cacheKey([after]) !== key) return null; // changed while it was read
      if (cache && !isRacy([entry], takenAt)) cache.set(abs, key, r);
      return r.dataVersion;
    });
    inFlight.set(flightKey, p);
    void p.finally(() => inFlight.delete(flightKey)).catch(() => undefined);
  }
  return p;
}

function entryOf(abs: string, rel: string): FileEntry | null {
  const st = statSync(abs, { bigint: true, throwIfNoEntry: false });
  if (!st || !st.isFile()) return null;
  return { rel, abs, dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs };
}
