/**
 * A direct reader for the common, clean universe file: the tree goes straight to a RawUniverse
 * when it is exactly what the schema accepts and no check would say anything (no duplicate or
 * non-text keys, no YAML 1.1 booleans, valid ids, id keys matching map keys). Anything else
 * returns undefined and takes the full path (zod + structure checks), which explains problems.
 *
 * Why: on a 20,000-universe project the general path (toJS, zod, tree walks) costs several
 * times more than reading the files; this costs about as much as the parse.
 */
import { ID_RE, RESERVED_IDS, UNIVERSE_ID_RE } from './ids.js';
import type { RawUniverse, RawUniverseNode } from './schema.js';
import type { SMap, SNode } from './yaml-source.js';

const YAML11_BOOL = /^(?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$/;

/** A text scalar no check would comment on; `nullable` also allows an empty value. */
function text(n: SNode, nullable = false): string | null | undefined {
  if (n.kind !== 'scalar') return undefined;
  if (n.value === null) return nullable ? null : undefined;
  if (typeof n.value !== 'string') return undefined;
  if (n.style === 'plain' && n.value.length <= 3 && YAML11_BOOL.test(n.value)) return undefined;
  return n.value;
}

/** Pairs of a map with clean, unique text keys; undefined otherwise. */
function cleanPairs(n: SNode): SMap['pairs'] | undefined {
  if (n.kind !== 'map') return undefined;
  const pairs = n.pairs;
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i] as SMap['pairs'][number];
    if (typeof p.keyValue !== 'string') return undefined;
    if (p.keyStyle === 'plain' && p.key.length <= 3 && YAML11_BOOL.test(p.key)) return undefined;
    for (let j = 0; j < i; j++) if ((pairs[j] as SMap['pairs'][number]).key === p.key) return undefined;
  }
  return pairs;
}

function choices(n: SNode): Record<string, string> | null | undefined {
  if (n.kind === 'scalar') return n.value === null ? null : undefined;
  const pairs = cleanPairs(n);
  if (!pairs) return undefined;
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const v = text(p.value);
    if (typeof v !== 'string' || p.key === '__proto__') return undefined;
    out[p.key] = v;
  }
  return out;
}

function subNodes(n: SNode): Record<string, RawUniverseNode | null> | null | undefined {
  if (n.kind === 'scalar') return n.value === null ? null : undefined;
  const pairs = cleanPairs(n);
  if (!pairs) return undefined;
  const out: Record<string, RawUniverseNode | null> = {};
  for (const p of pairs) {
    if (!ID_RE.test(p.key) || RESERVED_IDS.has(p.key)) return undefined;
    if (p.value.kind === 'scalar' && p.value.value === null) {
      out[p.key] = null;
      continue;
    }
    const node = universeNode(p.value, p.key);
    if (!node) return undefined;
    out[p.key] = node;
  }
  return out;
}

function universeNode(n: SNode, key: string): RawUniverseNode | undefined {
  const pairs = cleanPairs(n);
  if (!pairs) return undefined;
  const out: RawUniverseNode = {};
  for (const p of pairs) {
    if (p.key === 'id') {
      const v = text(p.value, true);
      if (v === undefined || (v !== null && v !== key)) return undefined;
      out.id = v;
    } else if (p.key === 'universe') {
      const v = text(p.value, true);
      if (v === undefined) return undefined;
      out.universe = v;
    } else if (p.key === 'decisions') {
      const v = choices(p.value);
      if (v === undefined) return undefined;
      out.decisions = v;
    } else if (p.key === 'analyses') {
      const v = subNodes(p.value);
      if (v === undefined) return undefined;
      out.analyses = v;
    } else {
      return undefined;
    }
  }
  return out;
}

/** The universe, when the tree is a clean universe document; else undefined (use the full path). */
export function quickUniverse(root: SNode): RawUniverse | undefined {
  const pairs = cleanPairs(root);
  if (!pairs) return undefined;
  let id: string | undefined;
  const out: Partial<RawUniverse> = {};
  for (const p of pairs) {
    if (p.key === 'id') {
      const v = text(p.value);
      if (typeof v !== 'string' || !UNIVERSE_ID_RE.test(v)) return undefined;
      id = v;
    } else if (p.key === 'description') {
      const v = text(p.value, true);
      if (v === undefined) return undefined;
      out.description = v;
    } else if (p.key === 'decisions') {
      const v = choices(p.value);
      if (v === undefined) return undefined;
      out.decisions = v;
    } else if (p.key === 'analyses') {
      const v = subNodes(p.value);
      if (v === undefined) return undefined;
      out.analyses = v;
    } else {
      return undefined;
    }
  }
  if (id === undefined) return undefined;
  return { ...out, id } as RawUniverse;
}
