/**
 * Words for places in a document, so messages say "output `accuracy`" rather than
 * "outputs[1]". Works on raw (possibly malformed) values: it only reads what is there.
 */
import type { DocPath } from './yaml-source.js';
import { editDistance } from '../edit-distance.js';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const LIST_NOUN: Record<string, string> = { inputs: 'input', outputs: 'output', evidence: 'evidence' };
const MAP_NOUN: Record<string, string> = {
  decisions: 'decision',
  options: 'option',
  analyses: 'sub-analysis',
  prior_insights: 'prior insight',
  findings: 'finding',
};

/**
 * The innermost named element containing `path` (excluding the last segment when it is a
 * field name), e.g. `output \`accuracy\` of sub-analysis \`classification\``.
 */
export function describeOwner(doc: unknown, path: DocPath, kind: 'analysis' | 'universe' | 'insight' = 'analysis'): string {
  const names: string[] = [];
  let v: unknown = doc;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i] as string | number;
    const parentKey = path[i - 1];
    const next: unknown = typeof seg === 'number' ? (Array.isArray(v) ? v[seg] : undefined) : isObj(v) ? v[seg] : undefined;
    if (typeof seg === 'number' && typeof parentKey === 'string' && LIST_NOUN[parentKey]) {
      const id = isObj(next) && typeof next.id === 'string' ? `\`${next.id}\`` : `#${seg + 1}`;
      names.push(`${LIST_NOUN[parentKey]} ${id}`);
    } else if (typeof seg === 'string' && typeof parentKey === 'string' && MAP_NOUN[parentKey]) {
      // In a universe, `decisions.x` is a choice, not a decision declaration.
      const noun = kind === 'universe' && parentKey === 'decisions' ? 'choice for' : MAP_NOUN[parentKey];
      names.push(`${noun} \`${seg}\``);
    } else if (typeof seg === 'string' && (seg === 'recipe' || seg === 'resources') && i < path.length - 1) {
      names.push(seg);
    }
    v = next;
  }
  if (names.length === 0) return kind === 'universe' ? 'the universe' : kind === 'insight' ? 'the insight' : 'the analysis';
  return names.reverse().join(' of ');
}

/** The last map key in the path (the field a message is about), or undefined. */
export function fieldName(path: DocPath): string | undefined {
  for (let i = path.length - 1; i >= 0; i--) if (typeof path[i] === 'string') return path[i] as string;
  return undefined;
}

/** Value at a path in a raw value. */
export function valueAt(doc: unknown, path: DocPath): unknown {
  let v: unknown = doc;
  for (const seg of path) {
    if (typeof seg === 'number') v = Array.isArray(v) ? v[seg] : undefined;
    else v = isObj(v) ? v[seg] : undefined;
  }
  return v;
}

/** The closest candidate when it is close enough to be a likely typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

export { isObj };
