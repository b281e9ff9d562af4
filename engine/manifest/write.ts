/**
 * Writing a manifest so that no reader ever sees half of one: the JSON goes to a temp file in
 * the same directory, is fsync'ed, renamed over the final name (atomic on POSIX), and the
 * directory is fsync'ed so the rename itself survives a crash. A writer killed at any point
 * leaves either the old manifest, no manifest, or the new one, plus at most a temp file that
 * the next recordSuccess removes.
 */
import { open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_NAME, type ManifestV2 } from './schema.js';

export const MANIFEST_TEMP_PREFIX = `${MANIFEST_NAME}.tmp-`;

/** Sorted keys at every level, 2-space indent, trailing newline: stable diffs, easy to read. */
export function serializeManifest(m: ManifestV2): string {
  return JSON.stringify(sortKeys(m), null, 2) + '\n';
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object') return v;
  const obj = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj).sort()) out[k] = sortKeys(obj[k]);
  return out;
}

export async function writeManifestAtomic(absDir: string, m: ManifestV2): Promise<void> {
  const text = serializeManifest(m);
  const tmp = join(absDir, `${MANIFEST_TEMP_PREFIX}${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  const fh = await open(tmp, 'wx', 0o644);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, join(absDir, MANIFEST_NAME));
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await syncDir(absDir);
}

async function syncDir(absDir: string): Promise<void> {
  let dh;
  try {
    dh = await open(absDir, 'r');
    await dh.sync();
  } catch {
    // Some filesystems refuse fsync on directories (EINVAL); the rename is still atomic.
  } finally {
    await dh?.close();
  }
}

/** Remove temp files left by a writer that was killed mid-write (they are always ours). */
export async function removeStaleTemps(absDir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(absDir);
  } catch {
    return;
  }
  await Promise.all(
    names.filter((n) => n.startsWith(MANIFEST_TEMP_PREFIX)).map((n) => rm(join(absDir, n), { force: true })),
  );
}
