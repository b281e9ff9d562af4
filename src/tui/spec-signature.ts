/**
 * A cheap fingerprint of the files the spec is read from (astra.yaml and universes/*.yaml,
 * .yml): size, mtime and inode of each, and the file names. The TUI compares it every few
 * seconds to notice an edit (saved in place or by rename) and reload the project. Spec files
 * of path-rooted sub-analyses are not covered (restart the TUI after editing those).
 * One stat per file: ~2,000 universes cost a few ms.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SPEC_FILE } from '../../engine/astra/load.js';
import { UNIVERSES_DIR } from '../../engine/astra/universes.js';

export function specSignature(root: string): string {
  const parts = [fileSig(join(root, SPEC_FILE))];
  const dir = join(root, UNIVERSES_DIR);
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch {
    // no universes dir: the signature says so by having no entries
  }
  for (const n of names) parts.push(`${n}:${fileSig(join(dir, n))}`);
  return parts.join('\n');
}

function fileSig(path: string): string {
  const st = statSync(path, { throwIfNoEntry: false });
  return st ? `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}` : '-';
}
