/**
 * Status prefetch: confirm the observation cache in worker threads WHILE the main thread loads
 * the spec and builds the DAG (with a second core; see MIN_CORES). The stat calls that confirm
 * 10,000 cached outputs (about 30,000 of them) then cost little wall time, and the main thread
 * only decides states. The CLI starts it as soon as it knows the command and the project root.
 *
 * The cache file is laid out for this (obs-cache-format.ts): the main thread reads it once,
 * cuts the plan lines into one chunk per worker, and each worker parses only its chunk and
 * answers with one byte per entry (transferred, not copied). The main thread parses only the
 * views line, and keeps the views of confirmed entries. One worker per spare core, at most two
 * (see workerCount).
 *
 * The workers run the same self-contained functions the main thread uses (confirm.ts) from
 * their source text, so this works from src under vitest and from dist/. Only outputs the
 * cache vouches for and whose manifest, dirs and files are all unchanged are reported;
 * everything else is observed afresh on the main thread.
 */
import { readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, relative } from 'node:path';
import { Worker } from 'node:worker_threads';
import { MANIFEST_NAME } from '../manifest/schema.js';
import { confirmTreeWith, manifestIdentityWith, sameIdentity } from './confirm.js';
import { cutPlan, splitObservations, type CacheParts } from './obs-cache-format.js';
import { observationCachePath } from './obs-cache.js';
import { looksLikeSlim, type SlimView } from './view.js';

/** outdir -> slim view from the cache, for outputs confirmed unchanged (still matching their manifest). */
export type Prefetched = Map<string, SlimView>;

/** Below this cache size the project is small and workers would cost more than they save. */
const MIN_CACHE_BYTES = 256 * 1024;
/** With one core the workers would only compete with the main thread. */
const MIN_CORES = 2;

/**
 * Workers compete with the main thread, which is the longer path (spec, DAG, decisions). On 2
 * cores one worker is best: 15 alternating runs of 10,000 tasks, median 0.46 s with one and
 * 0.49 s with two (CPU 0.72 s vs 0.80 s). With more cores a second one shortens the stat calls.
 */
function workerCount(): number {
  return Math.min(2, Math.max(1, availableParallelism() - 1));
}

/** One byte per plan line of `lines`: 1 when that output is confirmed unchanged. */
function checkPlanWith(
  statSync: typeof import('node:fs').statSync,
  base: string,
  manifestName: string,
  lines: string,
  identity: typeof manifestIdentityWith,
  same: typeof sameIdentity,
  confirm: typeof confirmTreeWith,
): Uint8Array {
  const plan = JSON.parse('[' + lines.replaceAll('\n', ',') + ']') as unknown[];
  const bits = new Uint8Array(plan.length);
  for (let i = 0; i < plan.length; i++) {
    const e = plan[i];
    if (!Array.isArray(e) || e.length !== 3 || typeof e[0] !== 'string' || !e[2]) continue;
    const absDir = base + e[0];
    const id = identity(statSync, absDir, manifestName);
    if (Array.isArray(id) && same(id, e[1]) && confirm(statSync, absDir, e[2])) bits[i] = 1;
  }
  return bits;
}

const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const identity = (${manifestIdentityWith.toString()});
const same = (${sameIdentity.toString()});
const confirm = (${confirmTreeWith.toString()});
const check = (${checkPlanWith.toString()});
let bits = null;
try {
  const w = workerData;
  bits = check(fs.statSync, w.base, w.manifestName, w.lines, identity, same, confirm);
} catch (e) {
  bits = null;
}
parentPort.postMessage(bits, bits ? [bits.buffer] : []);
`;

export interface PrefetchOptions {
  /** Skip caches smaller than this (default 256 KiB). */
  minCacheBytes?: number;
  /** Skip machines with fewer cores (default 2). */
  minCores?: number;
  /** Worker count (default: workerCount()). */
  workers?: number;
}

interface Running {
  promise: Promise<Prefetched | undefined>;
  workers: Worker[];
}

/** Prefetches started by `startStatusPrefetch` that no caller has taken yet, by cache path. */
const untaken = new Map<string, Running>();

/**
 * Start confirming the cache of `root` (scratch cache dir `cacheDir`). Resolves to undefined
 * when there is nothing worth prefetching or the worker fails; never rejects.
 *
 * The CLI entry starts it as soon as it knows the command and the project root, before the
 * command's modules load; the command's own call then takes over that running prefetch instead
 * of starting a second one. Each prefetch is handed out once: a later call (the TUI refreshing)
 * starts afresh and sees the files as they are then.
 */
export function startStatusPrefetch(
  root: string,
  cacheDir: string,
  opts: PrefetchOptions = {},
): Promise<Prefetched | undefined> {
  const cachePath = observationCachePath(cacheDir);
  const early = untaken.get(cachePath);
  if (early) {
    untaken.delete(cachePath);
    return early.promise;
  }
  return launch(root, cachePath, opts).promise;
}

/** Start a prefetch now for a command that will call startStatusPrefetch later (see there). */
export function startStatusPrefetchEarly(root: string, cacheDir: string): void {
  const cachePath = observationCachePath(cacheDir);
  if (!untaken.has(cachePath)) untaken.set(cachePath, launch(root, cachePath, {}));
}

/** Stop prefetches nobody took (the command failed before it needed them), so exit is not delayed. */
export function cancelUntakenPrefetches(): void {
  for (const r of untaken.values()) for (const w of r.workers) void w.terminate();
  untaken.clear();
}

function launch(root: string, cachePath: string, opts: PrefetchOptions): Running {
  const none: Running = { promise: Promise.resolve(undefined), workers: [] };
  if (availableParallelism() < (opts.minCores ?? MIN_CORES)) return none;
  const size = statSync(cachePath, { throwIfNoEntry: false })?.size ?? 0;
  if (size === 0 || size < (opts.minCacheBytes ?? MIN_CACHE_BYTES)) return none;
  let parts: CacheParts | undefined;
  try {
    parts = splitObservations(readFileSync(cachePath, 'utf8'));
  } catch {
    return none;
  }
  if (!parts || parts.count === 0) return none;
  const base = statBase(root);
  const workers: Worker[] = [];
  try {
    for (const lines of cutPlan(parts.plan, opts.workers ?? workerCount()))
      workers.push(new Worker(SOURCE, { eval: true, execArgv: [], workerData: { base, manifestName: MANIFEST_NAME, lines } }));
  } catch {
    for (const w of workers) void w.terminate();
    return none;
  }
  const views = parts.views;
  const count = parts.count;
  const promise = Promise.all(workers.map(answer)).then((bits) => confirmedViews(views, count, bits));
  return { promise, workers };
}

/** A worker's bytes, or undefined when it failed. */
function answer(worker: Worker): Promise<Uint8Array | undefined> {
  return new Promise((resolve) => {
    worker.once('message', (bits: unknown) => resolve(bits instanceof Uint8Array ? bits : undefined));
    worker.once('error', () => resolve(undefined));
    worker.once('exit', () => resolve(undefined));
  });
}

/** The views of confirmed entries; undefined when any worker failed or the parts disagree. */
function confirmedViews(viewsLine: string, count: number, answers: (Uint8Array | undefined)[]): Prefetched | undefined {
  if (answers.some((b) => b === undefined)) return undefined;
  const bits = answers as Uint8Array[];
  if (bits.reduce((n, b) => n + b.length, 0) !== count) return undefined;
  let views: unknown;
  try {
    views = JSON.parse(viewsLine);
  } catch {
    return undefined;
  }
  if (!Array.isArray(views) || views.length !== count) return undefined;
  const out: Prefetched = new Map();
  let offset = 0;
  for (const b of bits) {
    for (let i = 0; i < b.length; i++) {
      if (b[i] !== 1) continue;
      const v = views[offset + i] as unknown;
      if (Array.isArray(v) && typeof v[0] === 'string' && looksLikeSlim(v[1])) out.set(v[0], v[1]);
    }
    offset += b.length;
  }
  return out;
}

/**
 * The prefix the worker puts before each output dir. The kernel resolves a path one component
 * at a time, so `results/u1/fit` from the project root is cheaper than the same dir under a deep
 * absolute root (about 20% of the stat cost here). Relative paths resolve against the process's
 * cwd, which worker threads share and lc never changes.
 */
export function statBase(root: string, cwd = process.cwd()): string {
  const rel = relative(cwd, root);
  if (rel === '') return '';
  if (rel === '..' || rel.startsWith('../') || isAbsolute(rel)) return root + '/';
  return rel + '/';
}
