/**
 * The quick acceptance checks (which skip loading zod) may only accept what the zod schema
 * accepts. Checked on every example document and on thousands of mutations of them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { quickAnalysisOk, quickUniverseOk } from '../../engine/astra/quick-shapes.js';
import { RootAnalysisSchema, UniverseDocSchema } from '../../engine/astra/schema.js';
import { EXAMPLES, FIXTURES } from '../helpers/lc.js';

const AX = join(FIXTURES, 'astra-examples');
const analyses = [join(AX, 'iris', 'astra.yaml'), join(AX, 'iris_pipeline', 'astra.yaml'), join(AX, 'tests-data', 'valid', 'Analysis-001.yaml'), join(EXAMPLES, 'line-fit', 'astra.yaml')];
const universes = [
  ...['iris', 'iris_pipeline'].flatMap((e) => readdirSync(join(AX, e, 'universes')).map((n) => join(AX, e, 'universes', n))),
  join(AX, 'tests-data', 'valid', 'Universe-001.yaml'),
];

const REPLACEMENTS: unknown[] = [null, 1, -1, 1.5, true, 'x', 'data', [], ['a'], {}, { label: 'L' }];

/** Every document reachable by changing one value, deleting one key, or adding one key. */
function* mutations(doc: unknown): Generator<unknown> {
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, p: (string | number)[]) => {
    paths.push(p);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
  };
  walk(doc, []);
  for (const p of paths) {
    for (const r of REPLACEMENTS) yield setAt(doc, p, () => r);
    yield setAt(doc, p, (v) => (v && typeof v === 'object' && !Array.isArray(v) ? { ...v, zz: 1 } : v));
    if (p.length > 0) yield setAt(doc, p, () => undefined, true);
  }
}

function setAt(doc: unknown, path: (string | number)[], f: (v: unknown) => unknown, del = false): unknown {
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  if (path.length === 0) return f(copy);
  let o: Record<string | number, unknown> = copy;
  for (const seg of path.slice(0, -1)) o = o[seg] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (del) {
    if (Array.isArray(o)) o.splice(last as number, 1);
    else delete o[last];
  } else {
    o[last] = f(o[last]);
  }
  return copy;
}

describe('quick acceptance checks', () => {
  it('accept only what the analysis schema accepts', () => {
    let quick = 0;
    let total = 0;
    for (const f of analyses) {
      for (const doc of mutations(parse(readFileSync(f, 'utf8')))) {
        total++;
        if (!quickAnalysisOk(doc)) continue;
        quick++;
        expect({ f, doc, zod: RootAnalysisSchema.safeParse(doc).success }).toEqual({ f, doc, zod: true });
      }
    }
    expect(total).toBeGreaterThan(3000);
    expect(quick).toBeGreaterThan(total / 10);
  });

  it('accept only what the universe schema accepts', () => {
    let quick = 0;
    for (const f of universes) {
      for (const doc of mutations(parse(readFileSync(f, 'utf8')))) {
        if (!quickUniverseOk(doc)) continue;
        quick++;
        expect({ f, doc, zod: UniverseDocSchema.safeParse(doc).success }).toEqual({ f, doc, zod: true });
      }
    }
    expect(quick).toBeGreaterThan(50);
  });

  it('take the clean example documents without zod', () => {
    for (const f of analyses.filter((x) => !x.includes('tests-data'))) expect(quickAnalysisOk(parse(readFileSync(f, 'utf8')))).toBe(true);
    for (const f of universes) expect(quickUniverseOk(parse(readFileSync(f, 'utf8')))).toBe(true);
  });
});
