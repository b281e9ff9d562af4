/**
 * What status reads from disk for each task: its manifest and, when there is one, the stat
 * listing of its output dir, reduced at once to "matches the manifest's stat fingerprint or
 * not". Never a byte of output data. Observations are handed to the caller in task order
 * and not kept, so 10,000 parsed listings never pile up in memory.
 *
 * I/O strategy: on a local disk with a warm cache, synchronous calls are about 3x faster than
 * fs/promises (no thread-pool hop; measured 16 us vs 45-80 us per task here). On a network
 * filesystem every call waits for a round trip and only concurrency helps. So we start
 * synchronously and, if the first tasks show network-like latency, observe the rest with
 * async calls, a bounded number in flight, still delivered in order.
 */
import { join } from 'node:path';
import type { Task } from '../dag/task.js';
import { LcError } from '../errors.js';
import { statFingerprint } from '../hash/fingerprint.js';
import { listFilesAsync, listFilesSync, type DirListing } from '../hash/walk.js';
import { readManifest, readManifestSync, type ReadManifestResult } from '../manifest/read.js';
import { modifiedReasons } from './reasons.js';
import type { StaleReason } from './types.js';

export interface Observation {
  manifest: ReadManifestResult;
  /** Why the output dir could not be listed (manifest read fine). */
  listingError?: string;
  /** Set when the files differ from the manifest's stat fingerprint: what changed. */
  modified?: StaleReason[];
}

/** Tasks probed synchronously before deciding whether the filesystem is slow. */
const SAMPLE = 64;
/** Median time per task above which we treat the filesystem as high-latency. */
const SLOW_TASK_MS = 0.3;
const CONCURRENCY = 32;

/** Observe every task and call `onEach` in task order. */
export async function observeInOrder(root: string, tasks: readonly Task[], onEach: (t: Task, o: Observation) => void): Promise<void> {
  // The median of the first tasks decides: warm-up (JIT, first zod parse) makes the first
  // few slow even on a local disk, and the median ignores them.
  const sample: number[] = [];
  let i = 0;
  let slow = false;
  for (; i < tasks.length && !slow; i++) {
    const t = tasks[i] as Task;
    const t0 = performance.now();
    onEach(t, observeSync(join(root, t.outdir)));
    if (sample.length < SAMPLE) {
      sample.push(performance.now() - t0);
      slow = sample.length === SAMPLE && median(sample) > SLOW_TASK_MS;
    }
  }
  const inflight = new Map<number, Promise<Observation>>();
  let issued = i;
  for (let j = i; j < tasks.length; j++) {
    while (issued < tasks.length && issued < j + CONCURRENCY) {
      inflight.set(issued, observeAsync(join(root, (tasks[issued] as Task).outdir)));
      issued++;
    }
    const o = await (inflight.get(j) as Promise<Observation>);
    inflight.delete(j);
    onEach(tasks[j] as Task, o);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
}

export function observeSync(absDir: string): Observation {
  const manifest = readManifestSync(absDir);
  if (manifest.kind !== 'ok') return { manifest };
  try {
    return compare(manifest, listFilesSync(absDir));
  } catch (e) {
    return { manifest, listingError: listingError(e) };
  }
}

export async function observeAsync(absDir: string): Promise<Observation> {
  const manifest = await readManifest(absDir);
  if (manifest.kind !== 'ok') return { manifest };
  try {
    return compare(manifest, await listFilesAsync(absDir));
  } catch (e) {
    return { manifest, listingError: listingError(e) };
  }
}

/** Schema 1 manifests record no stat fingerprint: for them `modified` cannot be told cheaply. */
function compare(manifest: ReadManifestResult & { kind: 'ok' }, listing: DirListing): Observation {
  const m = manifest.manifest;
  if (m.schema_version !== 2 || statFingerprint(listing.entries) === m.stat.fingerprint) return { manifest };
  return { manifest, modified: modifiedReasons(m.stat.entries, listing.entries) };
}

function listingError(e: unknown): string {
  if (e instanceof LcError) return e.message;
  return e instanceof Error ? e.message : String(e);
}
