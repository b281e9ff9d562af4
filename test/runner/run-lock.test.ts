/**
 * The project run lock in-process: refusal names the holder, foreign stale locks and dead
 * same-host holders are recovered. The cross-process cases (a second `lc run`, a SIGKILLed
 * `lc run`) are in run-cli.test.ts with real lc processes.
 */
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { acquireRunLock, holderFileOf, lockDirOf, readRunLockHolder } from '../../engine/lock/run-lock.js';
import { scratchPaths, type ScratchPaths } from '../../engine/scratch/paths.js';
import { tempDir } from '../helpers/lc.js';

let dir: string;
let cleanup: () => void;
let scratch: ScratchPaths;
beforeEach(() => {
  ({ dir, cleanup } = tempDir('lc-lock-'));
  scratch = scratchPaths(dir, { LIGHTCONE_SCRATCH: dir });
});
afterEach(() => cleanup());

/** Leave a lock behind as another process would have, `ageS` seconds old. */
function plantLock(holder: { pid: number; host: string }, ageS: number): void {
  mkdirSync(dirname(scratch.runLock), { recursive: true });
  mkdirSync(lockDirOf(scratch));
  writeFileSync(
    holderFileOf(scratch),
    JSON.stringify({ schema_version: 1, pid: holder.pid, host: holder.host, started_at: '2026-01-01T00:00:00.000Z' }),
  );
  const t = new Date(Date.now() - ageS * 1000);
  utimesSync(lockDirOf(scratch), t, t);
}

describe('run lock', () => {
  test('a second acquire fails at once naming pid, host and start time; release frees it', async () => {
    const lock = await acquireRunLock(scratch, { projectRoot: dir });
    const t0 = Date.now();
    const second = acquireRunLock(scratch);
    await expect(second).rejects.toMatchObject({ code: 'RUN_LOCKED' });
    await expect(second).rejects.toThrow(new RegExp(`pid ${process.pid} on ${hostname()}, started ${lock.holder.startedAt}`));
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await readRunLockHolder(scratch)).toMatchObject({ pid: process.pid, host: hostname() });
    await lock.release();
    expect(await readRunLockHolder(scratch)).toBeNull();
    const again = await acquireRunLock(scratch);
    await again.release();
  });

  test('a holder that names its command (lc verify --refresh) is named in the refusal; without one it is lc run', async () => {
    const lock = await acquireRunLock(scratch, { projectRoot: dir, command: 'lc verify --refresh' });
    const file = JSON.parse(readFileSync(holderFileOf(scratch), 'utf8')) as Record<string, unknown>;
    expect(file).toMatchObject({ schema_version: 1, pid: process.pid, command: 'lc verify --refresh' });
    expect(await readRunLockHolder(scratch)).toMatchObject({ pid: process.pid, command: 'lc verify --refresh' });
    await expect(acquireRunLock(scratch)).rejects.toThrow(
      `this project is busy: lc verify --refresh pid ${process.pid} on ${hostname()}, started ${lock.holder.startedAt}`,
    );
    await lock.release();
    const run = await acquireRunLock(scratch, { projectRoot: dir, runId: 'r1' });
    expect('command' in (JSON.parse(readFileSync(holderFileOf(scratch), 'utf8')) as object)).toBe(false);
    await expect(acquireRunLock(scratch, { command: 'lc verify --refresh' })).rejects.toThrow(
      `this project is already being run: lc run pid ${process.pid} on ${hostname()}`,
    );
    await run.release();
  });

  test('a fresh lock held on another host is respected', async () => {
    plantLock({ pid: 1234, host: 'login07' }, 1);
    await expect(acquireRunLock(scratch)).rejects.toThrow(/pid 1234 on login07/);
  });

  test('a stale lock from another host is recovered without anyone deleting it', async () => {
    plantLock({ pid: 1234, host: 'login07' }, 120);
    expect(await readRunLockHolder(scratch)).toBeNull();
    const lock = await acquireRunLock(scratch);
    expect(lock.holder.pid).toBe(process.pid);
    await lock.release();
  });

  test('a lock whose holder died on this host is recovered within seconds', async () => {
    plantLock({ pid: 2 ** 22 + 99, host: hostname() }, 0);
    const t0 = Date.now();
    const lock = await acquireRunLock(scratch);
    expect(Date.now() - t0).toBeLessThan(8000);
    await lock.release();
  });
});
