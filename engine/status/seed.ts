/**
 * Seeding the observation cache (obs-cache.ts) with what a run just recorded, so the next
 * `lc status` or `lc run` confirms those outputs with stat calls instead of reading and parsing
 * every manifest the run wrote (for 10,000 tasks, the difference between ~0.4 s and ~1.5 s).
 *
 * Only what can be vouched for is stored: the manifest must be the very file this process
 * wrote (same identity as right after writing: an edit or a rewrite since changes it), older
 * than the racy window (racy-window.ts), and the output's files must still match its stat
 * fingerprint. Outputs recorded in the last moments of a run are left for the next status.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { listFilesSync } from '../hash/walk.js';
import { statFingerprint } from '../hash/fingerprint.js';
import { MANIFEST_NAME } from '../manifest/schema.js';
import type { Manifest } from '../manifest/schema.js';
import { manifestIdentityWith, sameIdentity, type StatIdentity } from './confirm.js';
import { ObservationCache } from './obs-cache.js';
import { racyWindowMs } from './racy-window.js';
import { treeOf } from './observe.js';
import { slimOf, toView, type SlimView } from './view.js';

/** One output a run recorded: its slim view and the manifest's identity right after writing. */
export interface RecordedOutput {
  outdir: string;
  slim: SlimView;
  identity: StatIdentity;
}

/** What to remember about an output just recorded (call right after its manifest was written). */
export function recordedOutput(root: string, outdir: string, manifest: Manifest): RecordedOutput | undefined {
  const identity = manifestIdentityWith(statSync, join(root, outdir), MANIFEST_NAME);
  if (!Array.isArray(identity)) return undefined;
  return { outdir, slim: slimOf(toView(manifest)), identity };
}

/** Store what can be vouched for; returns how many outputs were stored. Never throws. */
export function seedObservations(
  root: string,
  cacheDir: string,
  recorded: readonly RecordedOutput[],
  windowMs = racyWindowMs(root),
): number {
  if (recorded.length === 0) return 0;
  try {
    const cache = ObservationCache.load(cacheDir);
    const racyBeforeMs = Date.now() - windowMs;
    let stored = 0;
    for (const r of recorded) if (seedOne(cache, root, r, racyBeforeMs)) stored++;
    cache.save();
    return stored;
  } catch {
    return 0; // a cache only saves time
  }
}

function seedOne(cache: ObservationCache, root: string, r: RecordedOutput, racyBeforeMs: number): boolean {
  const absDir = join(root, r.outdir);
  const now = manifestIdentityWith(statSync, absDir, MANIFEST_NAME);
  if (!Array.isArray(now) || !sameIdentity(r.identity, now) || now[4] >= racyBeforeMs) return false;
  let listing;
  try {
    listing = listFilesSync(absDir, { dirs: true });
  } catch {
    return false;
  }
  if (r.slim[8] === null || statFingerprint(listing.entries) !== r.slim[8]) return false;
  const tree = treeOf(absDir, listing, racyBeforeMs);
  if (!tree) return false;
  cache.set(r.outdir, [now, r.slim, tree]);
  return true;
}
