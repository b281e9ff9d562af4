/**
 * The observation cache file (obs-cache.ts), laid out so the status prefetch workers
 * (prefetch.ts) parse only what they check and the main thread only what it keeps:
 *
 *   {"schema":5,"entries":N}                          header
 *   ["<outdir>",[identity],tree|null]                 N plan lines: what the stat calls confirm
 *   [["<outdir>",[slim view]], ...]                   one views line: what status reads back
 *
 * Plan lines are independent JSON documents (JSON never has a raw newline inside a string), so
 * the plan can be cut at line boundaries and handed to several workers without parsing it
 * first. Entry i of the plan and entry i of the views describe the same output dir.
 */
import { once, zod } from '../lazy-zod.js';
import type { CachedObservation } from './obs-cache.js';

/**
 * 5: slim views end with the image id; 4: with the container runtime; 3: plan lines + one views
 * line (2 was one object keyed by outdir).
 */
export const OBSERVATION_CACHE_SCHEMA = 5;

export function encodeObservations(entries: Iterable<[string, CachedObservation]>): string {
  const plan: string[] = [];
  const views: string[] = [];
  for (const [outdir, [identity, slim, tree]] of entries) {
    plan.push(JSON.stringify([outdir, identity, tree]));
    views.push(JSON.stringify([outdir, slim]));
  }
  const header = JSON.stringify({ schema: OBSERVATION_CACHE_SCHEMA, entries: plan.length });
  return `${header}\n${plan.length > 0 ? plan.join('\n') + '\n' : ''}[${views.join(',')}]\n`;
}

/** The three parts of a cache file's text, or undefined when it is not one of ours. */
export interface CacheParts {
  count: number;
  /** Plan lines, newline-separated, without a trailing newline ('' when there are none). */
  plan: string;
  /** The views line. */
  views: string;
}

export function splitObservations(text: string): CacheParts | undefined {
  const headerEnd = text.indexOf('\n');
  if (headerEnd < 0 || !text.endsWith('\n')) return undefined;
  let header: unknown;
  try {
    header = JSON.parse(text.slice(0, headerEnd));
  } catch {
    return undefined;
  }
  const h = header as { schema?: unknown; entries?: unknown };
  if (h?.schema !== OBSERVATION_CACHE_SCHEMA || typeof h.entries !== 'number') return undefined;
  const viewsStart = text.lastIndexOf('\n', text.length - 2) + 1;
  if (viewsStart <= headerEnd) return undefined;
  const plan = viewsStart - 1 > headerEnd + 1 ? text.slice(headerEnd + 1, viewsStart - 1) : '';
  return { count: h.entries, plan, views: text.slice(viewsStart, text.length - 1) };
}

/** Parse newline-separated plan lines into one array. */
export function parsePlanLines(lines: string): unknown[] {
  return lines === '' ? [] : (JSON.parse('[' + lines.replaceAll('\n', ',') + ']') as unknown[]);
}

/** Cut the plan into at most `n` chunks of whole lines, about equal in size. */
export function cutPlan(plan: string, n: number): string[] {
  if (plan === '' || n <= 1) return plan === '' ? [] : [plan];
  const chunks: string[] = [];
  let start = 0;
  for (let k = 1; k < n && start < plan.length; k++) {
    const target = Math.floor((plan.length * k) / n);
    const cut = plan.indexOf('\n', Math.max(target, start));
    if (cut < 0) break;
    chunks.push(plan.slice(start, cut));
    start = cut + 1;
  }
  if (start < plan.length) chunks.push(plan.slice(start));
  return chunks;
}

/** Whole-file decode for the main thread's cache; entries whose parts disagree are dropped. */
export function decodeObservations(text: string): Map<string, CachedObservation> {
  const out = new Map<string, CachedObservation>();
  const parts = splitObservations(text);
  if (!parts) return out;
  let plan: unknown[];
  let views: unknown;
  try {
    plan = parsePlanLines(parts.plan);
    views = JSON.parse(parts.views);
  } catch {
    return out;
  }
  if (!Array.isArray(views) || views.length !== plan.length || plan.length !== parts.count) return out;
  for (let i = 0; i < plan.length; i++) {
    const p = plan[i];
    const v = views[i] as unknown;
    if (!Array.isArray(p) || p.length !== 3 || !Array.isArray(p[1]) || !Array.isArray(v) || v[0] !== p[0]) continue;
    out.set(p[0] as string, [p[1], v[1], p[2]] as CachedObservation);
  }
  return out;
}

/**
 * zod schemas of the three parts, built on first use. Reading does not use them: the hot path
 * checks shapes by hand (looksLikeSlim, confirm.ts), because loading zod and parsing 10,000
 * entries with it would cost more than the whole status pass may, and every entry is confirmed
 * against the filesystem before it is believed. Tests hold what we write to them.
 */
export const ObservationCacheSchemas = once(() => {
  const z = zod();
  const num = z.number();
  const slim = z.tuple([
    z.union([z.literal(1), z.literal(2)]),
    z.string(),
    num.nullable(),
    num.nullable(),
    z.string().nullable(),
    z.string().nullable(),
    z.string().nullable(),
    z.record(z.string(), z.string()),
    z.string().nullable(),
    z.string().nullable(),
    z.string().nullable(),
  ]);
  const tree = z.tuple([z.array(z.tuple([z.string(), num, num])), z.array(z.tuple([z.string(), num, num, num, num]))]);
  return {
    header: z.object({ schema: z.literal(OBSERVATION_CACHE_SCHEMA), entries: z.number().int().nonnegative() }),
    planLine: z.tuple([z.string(), z.tuple([num, num, num, num, num]), tree.nullable()]),
    views: z.array(z.tuple([z.string(), slim])),
  };
});
