/**
 * The fastest way in for the most common universe file, a flat list of choices:
 *
 *   id: u17
 *   description: generated
 *   decisions:
 *     seed: s17
 *
 * One pass over the text straight to a RawUniverse, without building a tree: on a 20,000-file
 * project this is most of the loading time. It accepts only that shape (top-level `id`,
 * `description`, `decisions` with one level of `key: value`, comments, blank lines) with
 * values that YAML reads as plain text; anything else returns undefined and goes through the
 * general parser. The tree for error positions is built later, only if a diagnostic needs it.
 * test/astra/universe-scan.test.ts checks it against the general path.
 */
import type { RawUniverse } from './schema.js';
import { UNIVERSE_ID_RE } from './ids.js';

/** Plain scalars that are certainly text in YAML 1.2 and no check would comment on. */
const SAFE_WORD = /^[A-Za-z_][A-Za-z0-9_.\-/]*$/;
/** Free text (a description): in block context only `: ` and ` #` could end it early. */
const SAFE_TEXT = /^[A-Za-z][^:#]*$/;
const NOT_TEXT = /^(?:null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$/;
const KEY = /^[a-z][a-z0-9_]*$/;

function value(raw: string, loose: boolean): string | undefined {
  const c = raw.charCodeAt(0);
  if (c === 34 /* " */ || c === 39 /* ' */) {
    // A quoted value without escapes or embedded quotes of its kind.
    if (raw.length < 2 || raw.charCodeAt(raw.length - 1) !== c) return undefined;
    const inner = raw.slice(1, -1);
    if (inner.includes(raw[0] as string) || (c === 34 && inner.includes('\\'))) return undefined;
    return inner;
  }
  if (!(loose ? SAFE_TEXT : SAFE_WORD).test(raw) || NOT_TEXT.test(raw)) return undefined;
  return raw;
}

export function scanFlatUniverse(text: string): RawUniverse | undefined {
  if (text.includes('\t') || text.includes('\r') || text.charCodeAt(0) === 0xfeff) return undefined;
  let id: string | undefined;
  let description: string | undefined;
  let decisions: Record<string, string> | undefined;
  let inDecisions = false;
  let childIndent = 0;
  let pos = 0;
  const n = text.length;
  while (pos < n) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = n;
    const line = text.slice(pos, end);
    pos = end + 1;
    let ind = 0;
    while (line.charCodeAt(ind) === 32) ind++;
    if (ind === line.length || line.charCodeAt(ind) === 35 /* # */) continue;
    if (line.includes(' #') || line.endsWith(' ')) return undefined; // trailing comments or spaces: general path
    const colon = line.indexOf(':', ind);
    if (colon < 0) return undefined;
    const key = line.slice(ind, colon);
    const rest = line.slice(colon + 1);
    if (ind > 0) {
      if (!inDecisions || (childIndent !== 0 && ind !== childIndent)) return undefined;
      childIndent = ind;
      if (!KEY.test(key) || rest.charCodeAt(0) !== 32 || key === '__proto__') return undefined;
      const v = value(rest.slice(1), false);
      if (v === undefined || (decisions as Record<string, string>)[key] !== undefined) return undefined;
      (decisions as Record<string, string>)[key] = v;
      continue;
    }
    inDecisions = false;
    if (key === 'decisions' && rest === '' && decisions === undefined) {
      decisions = {};
      inDecisions = true;
      continue;
    }
    if (rest.charCodeAt(0) !== 32) return undefined;
    const raw = rest.slice(1);
    if (key === 'id' && id === undefined) {
      id = value(raw, false);
      if (id === undefined || !UNIVERSE_ID_RE.test(id)) return undefined;
    } else if (key === 'description' && description === undefined) {
      description = value(raw, true);
      if (description === undefined) return undefined;
    } else {
      return undefined;
    }
  }
  if (id === undefined || (decisions !== undefined && childIndent === 0)) return undefined;
  const u: RawUniverse = { id };
  if (description !== undefined) u.description = description;
  if (decisions !== undefined) u.decisions = decisions;
  return u;
}
