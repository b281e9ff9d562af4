/** The observation cache file layout: plan lines for the prefetch workers, one views line for the main thread. */
import { describe, expect, it } from 'vitest';
import type { CachedObservation } from '../../engine/status/obs-cache.js';
import {
  cutPlan,
  decodeObservations,
  encodeObservations,
  parsePlanLines,
  splitObservations,
} from '../../engine/status/obs-cache-format.js';
import type { SlimView } from '../../engine/status/view.js';

const slim = (dv: string): SlimView => [
  2,
  dv,
  1.5,
  0.1,
  'node1',
  null,
  'key',
  { seed: 'mtime-size:1-2' },
  'stat:ab',
  'none',
];
const entry = (i: number): [string, CachedObservation] => [
  `results/u${i}/fit\nodd`, // a newline inside a name must not break the line layout
  [[1, i, 10, 1000.25, 1000.5], slim(`sha256:${i}`), i % 2 ? null : [[['', 1, 2]], [['out.txt', i, 3, 4.5, 5.5]]]],
];

describe('observation cache format', () => {
  it('round-trips entries in order, with trees and without', () => {
    const entries = [0, 1, 2, 3, 4].map(entry);
    const text = encodeObservations(entries);
    expect(text.split('\n')).toHaveLength(1 + 5 + 1 + 1); // header, plan lines, views, final ''
    expect([...decodeObservations(text)]).toEqual(entries);
  });

  it('an empty cache is a header and an empty views line', () => {
    const text = encodeObservations([]);
    expect(splitObservations(text)).toEqual({ count: 0, plan: '', views: '[]' });
    expect(decodeObservations(text).size).toBe(0);
  });

  it('cuts the plan at line boundaries into chunks that together are the whole plan', () => {
    const parts = splitObservations(encodeObservations([...Array(25).keys()].map(entry)));
    if (!parts) throw new Error('not a cache');
    for (const n of [1, 2, 3, 7, 40]) {
      const chunks = cutPlan(parts.plan, n);
      expect(chunks.length).toBeLessThanOrEqual(Math.min(n, 25));
      expect(chunks.flatMap((c) => parsePlanLines(c))).toEqual(parsePlanLines(parts.plan));
    }
  });

  it('refuses text that is not a complete cache of this schema', () => {
    const good = encodeObservations([entry(1)]);
    for (const bad of [
      '',
      'not json\n',
      good.slice(0, -1),
      good.replace('"schema":5', '"schema":3'),
      '{"schema":5}\n[]\n',
    ])
      expect(decodeObservations(bad).size).toBe(0);
    // a count that disagrees with the lines
    expect(decodeObservations(good.replace('"entries":1', '"entries":2')).size).toBe(0);
  });
});
