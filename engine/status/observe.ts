/**
 * What status reads from disk for each task: its manifest and, when there is one, the stat
 * listing of its output dir (for the `modified` check). Never a byte of output data.
 *
 * I/O strategy: on a local disk with a warm cache, synchronous calls are about 3x faster than
 * fs/promises (no thread-pool hop; measured 16 us vs 45-80 us per task here). On a network
 * filesystem every call waits for a round trip and only concurrency helps. So we start
 * synchronously and, if the first tasks show network-like latency, switch the rest to async
 * calls with bounded concurrency.
 */
import { join } from 'node:path';
import type { Task } from '../dag/task.js';
import { LcError } from '../errors.js';
import { listFilesAsync, listFilesSync, type FileEntry } from '../hash/walk.js';
import { readManifest, readManifestSync, type ReadManifestResult } from '../manifest/read.js';

export interface Observation {
  manifest: ReadManifestResult;
  /** Present when the manifest was read: the current files, or why they could not be listed. */
  listing?: { entries: FileEntry[] } | { error: string };
}

/** Tasks probed synchronously before deciding whether the filesystem is slow. */
const SAMPLE = 64;
/** Mean time per task above which we treat the filesystem as high-latency. */
const SLOW_TASK_MS = 0.3;
const CONCURRENCY = 32;

export async function observeAll(root: string, tasks: readonly Task[]): Promise<Map<string, Observation>> {
  const out = new Map<string, Observation>();
  const t0 = performance.now();
  let i = 0;
  for (; i < tasks.length; i++) {
    const t = tasks[i] as Task;
    out.set(t.id, observeSync(join(root, t.outdir)));
    if (i + 1 === SAMPLE && (performance.now() - t0) / SAMPLE > SLOW_TASK_MS) {
      i++;
      break;
    }
  }
  if (i < tasks.length) {
    let next = i;
    const worker = async () => {
      while (next < tasks.length) {
        const t = tasks[next++] as Task;
        out.set(t.id, await observeAsync(join(root, t.outdir)));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  }
  return out;
}

export function observeSync(absDir: string): Observation {
  const manifest = readManifestSync(absDir);
  if (manifest.kind !== 'ok') return { manifest };
  try {
    return { manifest, listing: { entries: listFilesSync(absDir).entries } };
  } catch (e) {
    return { manifest, listing: { error: listingError(e) } };
  }
}

export async function observeAsync(absDir: string): Promise<Observation> {
  const manifest = await readManifest(absDir);
  if (manifest.kind !== 'ok') return { manifest };
  try {
    return { manifest, listing: { entries: (await listFilesAsync(absDir)).entries } };
  } catch (e) {
    return { manifest, listing: { error: listingError(e) } };
  }
}

function listingError(e: unknown): string {
  if (e instanceof LcError) return e.message;
  return e instanceof Error ? e.message : String(e);
}
