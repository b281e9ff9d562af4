/**
 * A small pool of worker threads that run `hashFramedFilesSync`. Hashing is CPU-bound (about
 * 1.7 GiB/s per core here), so verify spreads directories over cores. Workers are started from
 * source text built from the same function the main thread uses (see framing.ts), which works
 * identically from TypeScript under vitest and from the compiled dist/.
 *
 * Idle workers are unref'd so a pool kept for reuse never holds the process open; a worker
 * with a job in flight is ref'd so awaiting its answer does.
 */
import * as fs from 'node:fs';
import * as crypto from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { LcError } from '../errors.js';
import { hashFramedFilesSync, type FramedFile, type FramedHashDeps, type FramedHashResult } from './framing.js';

/** Read size for hashing. 1-8 MiB all run at page-cache speed here; 4 MiB keeps syscalls rare. */
export const HASH_BUFFER_BYTES = 4 * 1024 * 1024;

/** Below this many bytes a directory is hashed inline: a worker round trip would cost more. */
export const INLINE_HASH_BYTES = 1024 * 1024;

export const localHashDeps: FramedHashDeps = {
  createHash: crypto.createHash,
  openSync: fs.openSync,
  readSync: fs.readSync,
  fstatSync: fs.fstatSync,
  closeSync: fs.closeSync,
  openFlags: fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0),
};

let inlineBuf: Buffer | undefined;

/** Hash in the calling thread (small directories, or callers that want no workers). */
export function hashInline(files: readonly FramedFile[]): FramedHashResult {
  inlineBuf ??= Buffer.allocUnsafe(HASH_BUFFER_BYTES);
  try {
    return hashFramedFilesSync(files, localHashDeps, inlineBuf);
  } catch (e) {
    throw hashError(e);
  }
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const crypto = require('node:crypto');
const fs = require('node:fs');
const hashFramedFilesSync = (${hashFramedFilesSync.toString()});
const deps = {
  createHash: crypto.createHash, openSync: fs.openSync, readSync: fs.readSync,
  fstatSync: fs.fstatSync, closeSync: fs.closeSync,
  openFlags: fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK || 0),
};
const buf = Buffer.allocUnsafe(workerData.bufferBytes);
parentPort.on('message', (job) => {
  let reply;
  try {
    reply = { id: job.id, ok: true, result: hashFramedFilesSync(job.files, deps, buf) };
  } catch (e) {
    reply = { id: job.id, ok: false, code: (e && e.code) || 'EIO', message: String((e && e.message) || e), path: e && e.path };
  }
  parentPort.postMessage(reply);
});
`;

interface Pending {
  id: number;
  files: FramedFile[];
  resolve: (r: FramedHashResult) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  job: Pending | undefined;
}

type Reply =
  | { id: number; ok: true; result: FramedHashResult }
  | { id: number; ok: false; code: string; message: string; path?: string };

export class HashPool {
  readonly size: number;
  private readonly bufferBytes: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;

  constructor(size = availableParallelism(), bufferBytes = HASH_BUFFER_BYTES) {
    this.size = Math.max(1, Math.floor(size));
    this.bufferBytes = bufferBytes;
  }

  hash(files: FramedFile[]): Promise<FramedHashResult> {
    if (this.closed) return Promise.reject(new LcError('HASH_POOL_CLOSED', 'hash pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, files, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new LcError('HASH_POOL_CLOSED', 'hash pool closed'));
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.job === undefined);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const job = this.queue.shift() as Pending;
      slot.job = job;
      slot.worker.ref();
      slot.worker.postMessage({ id: job.id, files: job.files });
    }
  }

  private spawn(): Slot {
    // execArgv: [] so the parent's flags (e.g. --input-type=module, which would make this
    // CommonJS source fail) never change how the worker source is read.
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      execArgv: [],
      workerData: { bufferBytes: this.bufferBytes },
    });
    const slot: Slot = { worker, job: undefined };
    worker.on('message', (r: Reply) => {
      const job = slot.job;
      slot.job = undefined;
      worker.unref();
      if (job && job.id === r.id) {
        if (r.ok) job.resolve(r.result);
        else job.reject(hashError(Object.assign(new Error(r.message), { code: r.code, path: r.path })));
      }
      this.pump();
    });
    const fail = (e: unknown) => {
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      slot.job?.reject(new LcError('HASH_WORKER_FAILED', `hash worker failed: ${String(e)}`, { cause: e }));
      slot.job = undefined;
      if (!this.closed) this.pump();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (slot.job) fail(new Error(`exited with code ${code}`));
    });
    this.slots.push(slot);
    return slot;
  }
}

function hashError(e: unknown): LcError {
  if (e instanceof LcError) return e;
  const err = e as NodeJS.ErrnoException;
  const code = err.code ?? 'EIO';
  const path = err.path;
  return new LcError('HASH_IO', `cannot read ${path ?? 'a file'} while hashing: ${code}`, {
    context: { errno: code, path, why: err.message },
    cause: e,
  });
}

let shared: HashPool | undefined;

/** A process-wide pool for callers that hash now and then (the runner recording manifests). */
export function sharedHashPool(): HashPool {
  shared ??= new HashPool();
  return shared;
}
