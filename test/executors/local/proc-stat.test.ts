import { describe, expect, it } from 'vitest';
import { cpuPercentBetween, parseProcStat, readCpuTimes } from '../../../engine/executors/local/proc-stat.js';

describe('/proc/stat CPU load', () => {
  it('adds up the aggregate cpu line, leaving guest time (already in user) out of the total', () => {
    const text = 'cpu  100 5 50 800 20 3 2 10 7 1\ncpu0 50 2 25 400 10 1 1 5 3 0\nintr 1 2 3\n';
    expect(parseProcStat(text)).toEqual({ busy: 100 + 5 + 50 + 3 + 2 + 10, total: 170 + 800 + 20 });
  });

  it('rejects text without an aggregate cpu line', () => {
    expect(parseProcStat('cpu0 1 2 3 4\n')).toBeUndefined();
    expect(parseProcStat('')).toBeUndefined();
  });

  it('gives the busy share between two readings, 0 when no time passed', () => {
    expect(cpuPercentBetween({ busy: 100, total: 1000 }, { busy: 175, total: 1100 })).toBe(75);
    expect(cpuPercentBetween({ busy: 100, total: 1000 }, { busy: 100, total: 1000 })).toBe(0);
  });

  it.runIf(process.platform === 'linux')('sees this process spinning in the real /proc/stat', async () => {
    const a = await readCpuTimes();
    const until = Date.now() + 300;
    while (Date.now() < until); // keep one core busy
    const b = await readCpuTimes();
    expect(a && b).toBeTruthy();
    expect(cpuPercentBetween(a!, b!)).toBeGreaterThan(10);
  });
});
