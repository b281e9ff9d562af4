/**
 * Positions inside a recipe command: a template error at offset k points at its exact column
 * when the command is written on one line without escapes; otherwise at the command's line.
 */
import type { SourceRef } from '../../errors.js';
import { nodeAt as treeNodeAt, type DocPath, type Locator } from '../yaml-source.js';

export interface CommandPositions {
  at(offset: number): SourceRef;
}

export function commandPositions(loc: Locator, path: DocPath): CommandPositions {
  const base = loc.at(path);
  const n = loc.root ? treeNodeAt(loc.root, path) : undefined;
  let shift: number | undefined;
  if (n && n.kind === 'scalar' && typeof n.value === 'string' && !n.raw.includes('\n')) {
    if (n.style === 'plain' && n.raw === n.value) shift = 0;
    else if (n.style === 'quoted' && n.raw.length === n.value.length + 2) shift = 1;
  }
  return {
    at: (offset) => (shift === undefined ? base : { ...base, col: base.col + shift + offset }),
  };
}
