/**
 * Task logs: `<scratch>/.lightcone/logs/<project-hash>/<universe>/<output>/<attempt>.log`.
 * Attempts count up across runs, so the log of a failure is still there after the next try;
 * only the newest LOGS_KEPT attempts of a task are kept.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Task } from '../dag/task.js';
import type { ScratchPaths } from '../scratch/paths.js';

export const LOGS_KEPT = 10;

export interface LogSlot {
  path: string;
  attempt: number;
}

export const taskLogDir = (scratch: ScratchPaths, task: Pick<Task, 'universe' | 'output'>): string =>
  join(scratch.logs, task.universe, task.output);

/**
 * Pick the next attempt number for a task and prune its old logs; only the dir is created.
 * Synchronous system calls (see manifest/write.ts for why); async for its callers.
 */
export async function allocateLog(scratch: ScratchPaths, task: Pick<Task, 'universe' | 'output'>): Promise<LogSlot> {
  const dir = taskLogDir(scratch, task);
  if (mkdirSync(dir, { recursive: true }) !== undefined) return { path: join(dir, '1.log'), attempt: 1 };
  const attempts: number[] = [];
  for (const name of readdirSync(dir)) {
    const m = /^(\d+)\.log$/.exec(name);
    if (m) attempts.push(Number(m[1]));
  }
  attempts.sort((a, b) => a - b);
  const attempt = (attempts.at(-1) ?? 0) + 1;
  for (const old of attempts.slice(0, Math.max(0, attempts.length - (LOGS_KEPT - 1)))) {
    try {
      unlinkSync(join(dir, `${old}.log`));
    } catch {
      // already gone
    }
  }
  return { path: join(dir, `${attempt}.log`), attempt };
}

/** The last `n` lines of a log (reads at most its last `maxBytes`), without lc's header lines. */
export function tailLogFile(path: string, n = 20, maxBytes = 16 * 1024): string[] {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, maxBytes);
    if (len === 0) return [];
    const buf = Buffer.allocUnsafe(len);
    const got = readSync(fd, buf, 0, len, size - len);
    const lines = buf.toString('utf8', 0, got).split('\n');
    if (lines.at(-1) === '') lines.pop();
    if (len < size) lines.shift(); // a fragment: we did not start at a line boundary
    return lines
      .filter((l) => !l.startsWith('# lc: ') && !l.startsWith('# $ ') && !l.startsWith('# > '))
      .slice(-n)
      .map((l) => (l.length > 500 ? `${l.slice(0, 500)} …` : l));
  } finally {
    closeSync(fd);
  }
}
