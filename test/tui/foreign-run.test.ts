/** Which lock holders the TUI follows as a foreign run: runs, never other commands holding the lock. */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireRunLock, holderFileOf } from '../../engine/lock/run-lock.js';
import { findForeignRun } from '../../src/tui/model/attach.js';
import { scratchPaths, type ScratchPaths } from '../../engine/scratch/paths.js';
import { tempDir } from '../helpers/lc.js';

let dir: string;
let cleanup: () => void;
let scratch: ScratchPaths;
beforeEach(() => {
  ({ dir, cleanup } = tempDir('lc-foreign-'));
  scratch = scratchPaths(dir, { LIGHTCONE_SCRATCH: dir });
});
afterEach(() => cleanup());

/** A holder file as another process would leave it: same host, another (our parent's) pid. */
async function heldBy(command?: string): Promise<() => Promise<void>> {
  const lock = await acquireRunLock(scratch, { projectRoot: dir, ...(command ? { command } : {}) });
  const h = JSON.parse(readFileSync(holderFileOf(scratch), 'utf8')) as Record<string, unknown>;
  writeFileSync(holderFileOf(scratch), JSON.stringify({ ...h, pid: process.ppid }));
  return () => lock.release();
}

describe('findForeignRun', () => {
  it('follows an lc run holding the project', async () => {
    const release = await heldBy();
    try {
      expect((await findForeignRun(scratch))?.holder.pid).toBe(process.ppid);
    } finally {
      await release();
    }
  });

  it('ignores lc verify --refresh holding the lock: there is no run to follow', async () => {
    const release = await heldBy('lc verify --refresh');
    try {
      expect(await findForeignRun(scratch)).toBeNull();
    } finally {
      await release();
    }
  });
});
