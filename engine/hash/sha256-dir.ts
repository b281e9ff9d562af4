/**
 * `sha256_dir`: the content identity of an output directory (Lightcone's `data_version`).
 * Small directories are hashed inline; larger ones in a worker so a long hash never blocks the
 * event loop of the runner or the TUI.
 */
import { LcError } from '../errors.js';
import type { FramedHashResult } from './framing.js';
import { hashInline, INLINE_HASH_BYTES, sharedHashPool, type HashPool } from './pool.js';
import { listFilesSync, type DirListing, type FileEntry } from './walk.js';

export interface DirHash {
  dataVersion: string;
  files: number;
  bytes: number;
}

/** Hash an already-listed directory; checks that no file changed size while it was read. */
export async function hashListing(
  listing: DirListing,
  pool: HashPool | undefined = sharedHashPool(),
): Promise<DirHash> {
  const files = listing.entries.map((e) => (e.relBytes ? { abs: e.abs, rel: e.rel, relBytes: e.relBytes } : { abs: e.abs, rel: e.rel }));
  const r: FramedHashResult = pool && listing.bytes >= INLINE_HASH_BYTES ? await pool.hash(files) : hashInline(files);
  if (r.bytes !== listing.bytes) {
    throw new LcError(
      'DIR_CHANGED',
      `files changed while they were hashed (${listing.bytes} bytes listed, ${r.bytes} read)`,
      {
        context: { bytesListed: listing.bytes, bytesRead: r.bytes },
      },
    );
  }
  return { dataVersion: r.dataVersion, files: listing.files, bytes: listing.bytes };
}

/** `sha256:<hex>` of `absDir` with Lightcone's framing. Throws LcError DIR_MISSING / DIR_UNREADABLE / HASH_IO. */
export async function hashDir(absDir: string, pool?: HashPool): Promise<DirHash> {
  return hashListing(listFilesSync(absDir), pool);
}

export type { DirListing, FileEntry };
