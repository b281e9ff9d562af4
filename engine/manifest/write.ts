/**
 * Writing a manifest so that no reader ever sees half of one: the JSON goes to a temp file in
 * the same directory, is fsync'ed, and renamed over the final name (atomic on POSIX). A writer
 * killed at any point leaves either the old manifest, no manifest, or the new one, plus at most
 * a temp file that the next recordSuccess removes.
 *
 * The directory is not fsync'ed after the rename. That fsync only makes the rename itself
 * survive a power loss or kernel crash; without it such a crash can at worst lose the new
 * manifest, and the task reads as missing and runs again. It never leaves a manifest that
 * claims data it does not describe (the file's own fsync comes before the rename). Skipping it
 * saves a synchronous disk flush per task: ~0.1-0.4 ms each, on the critical path of runs of
 * thousands of short tasks.
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

/**
 * Asynchronous on purpose: the fsync of a fresh file took ~1 ms here, and done synchronously it
 * blocked the event loop that refills the executor's slots (a synchronous variant made runs of
 * short tasks slower, not faster).
 */
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
