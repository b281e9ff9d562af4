/**
 * Identifier rules (astra-spec §2): element ids are lowercase snake_case and may not be one of
 * the eight category names used in tree paths; universe ids also allow `-`.
 */
import type { Diagnostic, SourceRef } from '../errors.js';
import { diagnosticAt } from '../errors.js';

export type DocKind = 'analysis' | 'universe' | 'insight';

export const ID_RE = /^[a-z][a-z0-9_]*$/;
export const UNIVERSE_ID_RE = /^[a-z][a-z0-9_-]*$/;
export const RESERVED_IDS: ReadonlySet<string> = new Set([
  'inputs',
  'outputs',
  'decisions',
  'findings',
  'prior_insights',
  'analyses',
  'options',
  'content',
]);

/** A suggestion that satisfies the pattern, for hints. */
export function suggestId(id: string): string {
  let s = id
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^[^a-z]+/, '');
  if (s === '') s = 'x';
  return RESERVED_IDS.has(s) ? `${s}_1` : s;
}

/**
 * INVALID_ID / RESERVED_ID for an element id (`what` names it: "output", "decision", ...).
 * `where` is only called for a bad id: locating costs more than checking.
 */
export function checkElementId(id: string, what: string, where: SourceRef | (() => SourceRef)): Diagnostic | undefined {
  if (ID_RE.test(id) && !RESERVED_IDS.has(id)) return undefined;
  const ref = typeof where === 'function' ? where() : where;
  if (RESERVED_IDS.has(id)) {
    return diagnosticAt(ref, 'RESERVED_ID', `${what} id \`${id}\` is reserved: it names a category in tree paths (like decisions.<id>), so references to it would be ambiguous`, {
      hint: `rename it, e.g. ${id}_1`,
    });
  }
  if (!ID_RE.test(id)) {
    return diagnosticAt(ref, 'INVALID_ID', `${what} id \`${id}\` is not a valid id: use lowercase letters, digits and _, starting with a letter`, {
      hint: `e.g. ${suggestId(id)}`,
    });
  }
  return undefined;
}

export function checkUniverseId(id: string, ref: SourceRef): Diagnostic | undefined {
  if (UNIVERSE_ID_RE.test(id)) return undefined;
  return diagnosticAt(ref, 'INVALID_ID', `universe id \`${id}\` is not valid: use lowercase letters, digits, _ and -, starting with a letter`, {
    hint: `e.g. ${suggestId(id).replace(/_/g, '-')}`,
  });
}
