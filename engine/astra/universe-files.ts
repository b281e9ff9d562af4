/**
 * Listing a project's universe files. Its own module because the project snapshot
 * (engine/dag/snapshot.ts) lists them again on every command to see that none came or went, and
 * must not load the spec loader to do so.
 */
import { readdirSync } from 'node:fs';
import type { SpecDeps } from './deps.js';

const UNIVERSE_EXT = /\.ya?ml$/;

/** Universe files of one directory, sorted by file name (so `a.yaml` precedes `a.yml`). */
export function universeFiles(dir: string, deps?: SpecDeps): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    names = [];
  }
  const files = names
    .filter((n) => UNIVERSE_EXT.test(n) && !n.startsWith('.'))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((n) => `${dir}/${n}`); // not path.join: 20,000 normalisations add up
  deps?.listed(dir, files);
  return files;
}
