/**
 * Writing a manifest so that no reader ever sees half of one: the JSON goes to a temp file in
 * the same directory and is renamed over the final name (atomic on POSIX). A writer killed at
 * any point leaves either the old manifest, no manifest, or the new one, plus at most a temp
 * file that the next recordSuccess removes.
 *
 * Nothing is fsync'ed. A flush would make the manifest survive a power loss or kernel crash,
 * but the outputs it describes are not flushed either (tasks write them; lc cannot make them
 * durable), so a flushed manifest could outlive its files. Without the flush such a crash
 * leaves the manifest missing or empty: the task reads as missing or unreadable and runs again.
 * Either way no manifest claims data it does not describe, and status catches outputs cut
 * short by a crash by their sizes. A flush per task also cost ~0.2-1 ms here (a round trip to
 * the object servers on Lustre) on the critical path of runs of thousands of short tasks.
 *
 * Synchronous on purpose, like every per-task file operation of a run: on a local disk the
 * system calls take microseconds, while a round trip through libuv's thread pool cost a
 * context switch each on a busy 2-core node (10,000 tasks: 230,000 context switches and
 * 13-16 s of CPU in lc's own process, against 16,000 and 7-8 s synchronously).
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
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

export function writeManifestAtomic(absDir: string, m: ManifestV2): void {
  const text = serializeManifest(m);
  const tmp = join(absDir, `${MANIFEST_TEMP_PREFIX}${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  try {
    writeFileSync(tmp, text, { flag: 'wx', mode: 0o644 });
    renameSync(tmp, join(absDir, MANIFEST_NAME));
  } catch (e) {
    rmSync(tmp, { force: true });
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
