import { describe, expect, test } from 'vitest';
import { causeOf, groupFailures } from '../../engine/status/failure-groups.js';

describe('failures grouped by cause', () => {
  test('the same last line but for numbers, paths and the universe is one cause', () => {
    expect(causeOf('median: not enough points (3 < 5) in results/u12/fit/points.csv', 'u12')).toBe(
      'median: not enough points (N < N) in PATH',
    );
    expect(causeOf('KeyError: 0x7f3a2b1c', 'u')).toBe('KeyError: H');
    expect(causeOf('seed u7 diverged after 1.5e3 steps', 'u7')).toBe('seed <universe> diverged after N steps');
  });

  test('groups, largest first, each with its universes and a representative', () => {
    const f = (id: string, tail: string[], fallback = 'the command exited 1') => ({
      id,
      universe: id.split('/')[0] as string,
      tail,
      fallback,
    });
    const groups = groupFailures([
      f('a/fit', ['fitting', 'median: not enough points (3 < 5)', '']),
      f('b/fit', ['out of memory']),
      f('c/fit', ['median: not enough points (2 < 5)']),
      f('d/fit', [], 'time limit of 60s reached'),
      f('e/fit', ['fitting', 'median: not enough points (4 < 5)']),
    ]);
    expect(groups.map((g) => [g.message, g.tasks, g.universes])).toEqual([
      ['median: not enough points (3 < 5)', ['a/fit', 'c/fit', 'e/fit'], ['a', 'c', 'e']],
      ['out of memory', ['b/fit'], ['b']],
      ['time limit of 60s reached', ['d/fit'], ['d']],
    ]);
  });
});
