/**
 * The manifest's `stat` block: the stat fingerprint of an output's files (what `lc status`
 * compares to report `modified`) and, for outputs with few files, one
 * `[path, size, mtime_ns]` entry per file so status can name the file that changed.
 *
 * Built here only, so that recordSuccess (a task just ran) and `lc verify --refresh` (the
 * bytes were re-hashed and still match) record exactly the same thing.
 */
import { statFingerprint } from '../hash/fingerprint.js';
import type { FileEntry } from '../hash/walk.js';
import type { ManifestV2, StatEntry } from './schema.js';

/** Per-file stat entries are kept in the manifest up to this many files (status then names the changed file). */
export const MAX_STAT_ENTRIES = 256;

/** The `stat` block of a listing; pass `fingerprint` when the caller already computed it. */
export function statRecord(
  entries: readonly FileEntry[],
  fingerprint: string = statFingerprint(entries),
): ManifestV2['stat'] {
  if (entries.length > MAX_STAT_ENTRIES) return { fingerprint };
  return { fingerprint, entries: entries.map((e): StatEntry => [e.rel, Number(e.size), String(e.mtimeNs)]) };
}
