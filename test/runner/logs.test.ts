import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allocateLog, LOGS_KEPT, newestTaskLog } from '../../engine/runner/logs.js';
import { scratchPaths } from '../../engine/scratch/paths.js';

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

function scratch() {
  dir = mkdtempSync(join(tmpdir(), 'lc-logs-'));
  return scratchPaths(join(dir, 'project'), { LIGHTCONE_SCRATCH: join(dir, 'scratch') });
}

/** Allocate a log and write it, as a task would. */
async function attempt(s: ReturnType<typeof scratch>, universe: string, output: string) {
  const slot = await allocateLog(s, { universe, output });
  writeFileSync(slot.path, `attempt ${slot.attempt}\n`);
  return slot;
}

describe('task logs', () => {
  it('keep one directory per universe, one file per attempt, counted per output', async () => {
    const s = scratch();
    expect(await attempt(s, 'u1', 'fit')).toEqual({ attempt: 1, path: join(s.logs, 'u1', 'fit.1.log') });
    expect((await attempt(s, 'u1', 'fit')).attempt).toBe(2);
    // an output whose id extends another's (nested: dotted) counts its own attempts
    expect(await attempt(s, 'u1', 'fit.sub')).toEqual({ attempt: 1, path: join(s.logs, 'u1', 'fit.sub.1.log') });
    expect((await attempt(s, 'u1', 'fit')).attempt).toBe(3);
    expect((await attempt(s, 'u2', 'fit')).attempt).toBe(1);
    expect(readdirSync(join(s.logs, 'u1')).sort()).toEqual(['fit.1.log', 'fit.2.log', 'fit.3.log', 'fit.sub.1.log']);
    expect(newestTaskLog(s, { universe: 'u1', output: 'fit' })).toBe(join(s.logs, 'u1', 'fit.3.log'));
    expect(newestTaskLog(s, { universe: 'u1', output: 'fit.sub' })).toBe(join(s.logs, 'u1', 'fit.sub.1.log'));
    expect(newestTaskLog(s, { universe: 'u1', output: 'other' })).toBeUndefined();
    expect(newestTaskLog(s, { universe: 'u9', output: 'fit' })).toBeUndefined();
  });

  it(`keeps the newest ${LOGS_KEPT} attempts of a task and no other task's`, async () => {
    const s = scratch();
    await attempt(s, 'u1', 'other');
    for (let i = 0; i < LOGS_KEPT + 3; i++) await attempt(s, 'u1', 'fit');
    const kept = readdirSync(join(s.logs, 'u1')).filter((n) => n.startsWith('fit.'));
    const numbers = kept.map((n) => Number(n.split('.')[1])).sort((a, b) => a - b);
    expect(numbers).toEqual([...Array(LOGS_KEPT).keys()].map((i) => i + 4));
    expect(readdirSync(join(s.logs, 'u1'))).toContain('other.1.log');
  });

  it('goes on counting from logs of the previous layout (<universe>/<output>/<attempt>.log), and finds them', async () => {
    const s = scratch();
    const legacy = join(s.logs, 'u1', 'fit');
    mkdirSync(legacy, { recursive: true });
    writeFileSync(join(legacy, '1.log'), 'old 1\n');
    writeFileSync(join(legacy, '2.log'), 'old 2\n');
    expect(newestTaskLog(s, { universe: 'u1', output: 'fit' })).toBe(join(legacy, '2.log'));
    expect(await attempt(s, 'u1', 'fit')).toEqual({ attempt: 3, path: join(s.logs, 'u1', 'fit.3.log') });
    expect(newestTaskLog(s, { universe: 'u1', output: 'fit' })).toBe(join(s.logs, 'u1', 'fit.3.log'));
    expect(readdirSync(legacy).sort()).toEqual(['1.log', '2.log']);
  });
});
