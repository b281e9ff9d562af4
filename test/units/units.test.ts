/**
 * The one formatter for durations and the ones for sizes (engine/units.ts) that the TUI, the
 * plain renderer, lc scheduler status and executor messages share; and the one edit distance
 * behind every "did you mean" (engine/edit-distance.ts).
 */
import { describe, expect, it } from 'vitest';
import { formatBytes, formatBytesCompact, formatDuration, formatSpecBytes } from '../../engine/units.js';

describe('formatDuration', () => {
  it('tenths below 10 s, then s, m+s, h+m, d+h', () => {
    expect(formatDuration(0)).toBe('0.0s');
    expect(formatDuration(6.14)).toBe('6.1s');
    expect(formatDuration(12.4)).toBe('12s');
    expect(formatDuration(59.6)).toBe('1m00s');
    expect(formatDuration(185)).toBe('3m05s');
    expect(formatDuration(1799)).toBe('29m59s');
    expect(formatDuration(7440)).toBe('2h04m');
    expect(formatDuration(90_000)).toBe('1d01h');
  });
  it('nothing for what is not a duration', () => {
    for (const v of [null, undefined, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(formatDuration(v)).toBe('');
  });
});

describe('sizes', () => {
  it('measured sizes in binary units, one decimal below 10', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536 * 1024 ** 2)).toBe('1.5 GiB');
    expect(formatBytes(12 * 1024 ** 3)).toBe('12 GiB');
    expect(formatBytesCompact(3.1 * 1024 ** 3)).toBe('3.1G');
    expect(formatBytesCompact(512 * 1024 ** 2)).toBe('512M');
  });
  it('requested sizes as a spec writes them', () => {
    expect(formatSpecBytes(500 * 1024 ** 2)).toBe('500MiB');
    expect(formatSpecBytes(4 * 1024 ** 3)).toBe('4GiB');
    expect(formatSpecBytes(100e6)).toBe('100MB');
    expect(formatSpecBytes(1500)).toBe('1.5kB');
  });
});

describe('editDistance', () => {
  it('counts inserts, deletes, substitutions and neighbour swaps as one edit each', async () => {
    const { editDistance } = await import('../../engine/edit-distance.js');
    expect(editDistance('label', 'label')).toBe(0);
    expect(editDistance('lable', 'label')).toBe(1); // swap
    expect(editDistance('labl', 'label')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    // with a bound: anything beyond it reads as max + 1
    expect(editDistance('baseline', 'robust', 2)).toBe(3);
    expect(editDistance('fit', 'fix', 2)).toBe(1);
  });
});
