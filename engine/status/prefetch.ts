/**
 * Status prefetch: confirm the observation cache in a worker thread WHILE the main thread
 * loads the spec and builds the DAG (on machines with at least 4 cores; see MIN_CORES). The stat calls that confirm 10,000 cached outputs (about
 * 30,000 of them) then cost no wall time on a machine with a second core; the main thread
 * only decides states. A command starts it as early as it knows the project root.
 *
 * The worker runs the same self-contained functions the main thread uses (confirm.ts,
 * statFingerprintWith) from their source text, so it works from src under vitest and from
 * dist/. It reports only outputs whose manifest identity and directory mtimes are unchanged;
 * everything else is observed afresh on the main thread.
 */
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { statFingerprintWith } from '../hash/fingerprint.js';
import { MANIFEST_NAME } from '../manifest/schema.js';
import { confirmListingWith, manifestIdentityWith } from './confirm.js';
import { observationCachePath } from './obs-cache.js';
import type { SlimView } from './view.js';

/** outdir -> [slim view from the cache, files match the manifest's stat fingerprint] */
export type Prefetched = Map<string, [SlimView, boolean]>;

/** Below this cache size the project is small and a worker would cost more than it saves. */
const MIN_CACHE_BYTES = 256 * 1024;
/**
 * Measured on a 2-vCPU VM: spec loading already keeps more than one core busy (thread-pool
 * reads, GC threads), so the worker found no idle core and cost CPU without saving wall time
 * (10,000 tasks: 0.66-0.69 s with it, 0.60-0.69 s without). With 4+ cores it runs beside them.
 */
const MIN_CORES = 4;

function prefetchWith(
  deps: {
    readFileSync: typeof import('node:fs').readFileSync;
    statSync: typeof statSync;
    sha256hex: (s: string) => string;
  },
  root: string,
  cachePath: string,
  manifestName: string,
  identity: typeof manifestIdentityWith,
  confirm: typeof confirmListingWith,
  fingerprint: (sha256hex: (s: string) => string, entries: unknown[]) => string,
): [string, unknown, boolean][] {
  let doc;
  try {
    doc = JSON.parse(deps.readFileSync(cachePath, 'utf8'));
  } catch {
    return [];
  }
  if (!doc || doc.schema !== 1 || !doc.entries || typeof doc.entries !== 'object') return [];
  const out: [string, unknown, boolean][] = [];
  for (const outdir of Object.keys(doc.entries)) {
    const e = doc.entries[outdir];
    if (!Array.isArray(e) || e.length !== 4 || !Array.isArray(e[1])) continue;
    const absDir = root + '/' + outdir;
    if (identity(deps.statSync, absDir, manifestName) !== e[0]) continue;
    const entries = confirm(deps.statSync, absDir, e[2], e[3]);
    if (!entries) continue;
    out.push([outdir, e[1], fingerprint(deps.sha256hex, entries) === e[1][8]]);
  }
  return out;
}

const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const crypto = require('node:crypto');
const identity = (${manifestIdentityWith.toString()});
const confirm = (${confirmListingWith.toString()});
const fingerprint = (${statFingerprintWith.toString()});
const prefetch = (${prefetchWith.toString()});
const sha256hex = crypto.hash
  ? (s) => crypto.hash('sha256', s, 'hex')
  : (s) => crypto.createHash('sha256').update(s).digest('hex');
const deps = { readFileSync: fs.readFileSync, statSync: fs.statSync, sha256hex };
let result = [];
try {
  result = prefetch(deps, workerData.root, workerData.cachePath, workerData.manifestName, identity, confirm, fingerprint);
} catch (e) {
  result = [];
}
parentPort.postMessage(result);
`;

/**
 * Start confirming the cache of `root` (scratch cache dir `cacheDir`). Resolves to undefined
 * when there is nothing worth prefetching or the worker fails; never rejects.
 */
export function startStatusPrefetch(
  root: string,
  cacheDir: string,
  opts: { minCacheBytes?: number; minCores?: number } = {},
): Promise<Prefetched | undefined> {
  if (availableParallelism() < (opts.minCores ?? MIN_CORES)) return Promise.resolve(undefined);
  const cachePath = observationCachePath(cacheDir);
  const size = statSync(cachePath, { throwIfNoEntry: false })?.size ?? 0;
  if (size === 0 || size < (opts.minCacheBytes ?? MIN_CACHE_BYTES)) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(SOURCE, {
        eval: true,
        execArgv: [],
        workerData: { root, cachePath, manifestName: MANIFEST_NAME },
      });
    } catch {
      resolve(undefined);
      return;
    }
    worker.once('message', (rows: [string, SlimView, boolean][]) => {
      resolve(new Map(rows.map(([outdir, slim, match]) => [outdir, [slim, match]])));
    });
    worker.once('error', () => resolve(undefined));
    worker.once('exit', () => resolve(undefined));
  });
}
