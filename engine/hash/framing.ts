/**
 * The `sha256_dir` byte stream (Lightcone-compatible): one running SHA-256 over, for each file in
 * order, `"path:" <rel as UTF-8> "\0" "data:" <file bytes> "\0"`. Result `sha256:<hex>`. A path
 * that is not valid UTF-8 (which Lightcone cannot hash) is framed with its own bytes.
 *
 * `hashFramedFilesSync` is written to be self-contained (it uses only its arguments and
 * globals) because the hash worker is started from its source text (`fn.toString()`): the same
 * function then runs in the main thread (from src under vitest, or dist/) and in workers, with
 * no separate worker file to locate at run time.
 */
import type * as Crypto from 'node:crypto';
import type * as Fs from 'node:fs';

export interface FramedFile {
  /** Bytes (arriving in a worker as a Uint8Array) when the name is not valid UTF-8. */
  abs: string | Uint8Array;
  rel: string;
  /** The path bytes hashed instead of `rel`'s UTF-8 when `rel` is surrogate-escaped. */
  relBytes?: Uint8Array;
}

export interface FramedHashDeps {
  createHash: typeof Crypto.createHash;
  openSync: typeof Fs.openSync;
  readSync: typeof Fs.readSync;
  fstatSync: typeof Fs.fstatSync;
  closeSync: typeof Fs.closeSync;
  /** O_RDONLY | O_NONBLOCK: a FIFO swapped in after listing must not block the hasher. */
  openFlags: number;
}

export interface FramedHashResult {
  dataVersion: string;
  bytes: number;
}

export function hashFramedFilesSync(files: readonly FramedFile[], deps: FramedHashDeps, buf: Buffer): FramedHashResult {
  const h = deps.createHash('sha256');
  const nul = Buffer.from([0]);
  let bytes = 0;
  for (const f of files) {
    if (f.relBytes) {
      h.update('path:', 'utf8');
      h.update(f.relBytes);
      h.update('\u0000data:', 'utf8');
    } else {
      h.update('path:' + f.rel + '\u0000data:', 'utf8');
    }
    const fd = deps.openSync(typeof f.abs === 'string' ? f.abs : Buffer.from(f.abs), deps.openFlags);
    try {
      if (!deps.fstatSync(fd).isFile()) {
        const err = new Error('not a regular file: ' + f.rel) as Error & { code?: string };
        err.code = 'ENOTREG';
        throw err;
      }
      for (;;) {
        const n = deps.readSync(fd, buf, 0, buf.length, null);
        if (n === 0) break;
        h.update(n === buf.length ? buf : buf.subarray(0, n));
        bytes += n;
      }
    } finally {
      deps.closeSync(fd);
    }
    h.update(nul);
  }
  return { dataVersion: 'sha256:' + h.digest('hex'), bytes };
}
