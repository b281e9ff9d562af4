/**
 * Task logs: `<scratch>/.lightcone/logs/<project-hash>/<universe>/<output>.<attempt>.log`.
 * Attempts count up across runs, so the log of a failure is still there after the next try;
 * only the newest LOGS_KEPT attempts of a task are kept.
 *
 * One directory per universe, not per task: creating a directory costs a file system far more
 * than a file (on ext4 here 0.2-0.6 ms each, on lc's event loop), and a sweep of 10,000 tasks
 * made 12,000 of them just for logs. Output ids are `[a-z][a-z0-9_]*` joined by dots, so the
 * attempt is the last dotted number of a name and the rest is the output.
 *
 * Before this layout logs were `<universe>/<output>/<attempt>.log`: those are still found
 * (the newest log of a task that has not run since) and counted (attempts go on from them),
 * never pruned.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Task } from '../dag/task.js';
import { isLogHeaderLine } from '../executors/log-header.js';
import type { ScratchPaths } from '../scratch/paths.js';

export const LOGS_KEPT = 10;

export interface LogSlot {
  path: string;
  attempt: number;
}

type TaskRef = Pick<Task, 'universe' | 'output'>;

/** The directory of one universe's task logs. */
export const universeLogDir = (scratch: ScratchPaths, universe: string): string => join(scratch.logs, universe);

/** The log of one attempt of a task. */
export const taskLogPath = (scratch: ScratchPaths, task: TaskRef, attempt: number): string =>
  join(universeLogDir(scratch, task.universe), `${task.output}.${attempt}.log`);

/** The previous layout's directory of a task's logs. */
const legacyLogDir = (scratch: ScratchPaths, task: TaskRef): string => join(scratch.logs, task.universe, task.output);

/** Attempt numbers of `output` among the names of its universe's log dir, ascending. */
function attemptsIn(names: readonly string[], output: string): number[] {
  const attempts: number[] = [];
  const prefix = `${output}.`;
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.log')) continue;
    const n = name.slice(prefix.length, -4);
    if (/^\d+$/.test(n)) attempts.push(Number(n));
  }
  return attempts.sort((a, b) => a - b);
}

/**
 * Attempt numbers in the previous layout's dir of a task, ascending; none when its universe's
 * log dir (`names`) holds no such dir.
 */
function legacyAttempts(scratch: ScratchPaths, task: TaskRef, names: readonly string[]): number[] {
  if (!names.includes(task.output)) return [];
  try {
    return readdirSync(legacyLogDir(scratch, task))
      .map((n) => /^(\d+)\.log$/.exec(n)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
}

/**
 * Pick the next attempt number for a task and prune its old logs; only the dir is created.
 * Synchronous system calls (see manifest/write.ts for why); async for its callers.
 */
export async function allocateLog(scratch: ScratchPaths, task: TaskRef): Promise<LogSlot> {
  const dir = universeLogDir(scratch, task.universe);
  if (mkdirSync(dir, { recursive: true }) !== undefined) return { path: taskLogPath(scratch, task, 1), attempt: 1 };
  const names = readdirSync(dir);
  const attempts = attemptsIn(names, task.output);
  const legacy = legacyAttempts(scratch, task, names);
  const attempt = Math.max(attempts.at(-1) ?? 0, legacy.at(-1) ?? 0) + 1;
  for (const old of attempts.slice(0, Math.max(0, attempts.length - (LOGS_KEPT - 1)))) {
    try {
      unlinkSync(taskLogPath(scratch, task, old));
    } catch {
      // already gone
    }
  }
  return { path: taskLogPath(scratch, task, attempt), attempt };
}

/** The newest log of a task on disk (either layout), or undefined when it has none. */
export function newestTaskLog(scratch: ScratchPaths, task: TaskRef): string | undefined {
  let names: string[];
  try {
    names = readdirSync(universeLogDir(scratch, task.universe));
  } catch {
    return undefined;
  }
  const last = attemptsIn(names, task.output).at(-1);
  if (last !== undefined) return taskLogPath(scratch, task, last);
  const legacy = legacyAttempts(scratch, task, names).at(-1);
  return legacy === undefined ? undefined : join(legacyLogDir(scratch, task), `${legacy}.log`);
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
      .filter((l) => !isLogHeaderLine(l))
      .slice(-n)
      .map((l) => (l.length > 500 ? `${l.slice(0, 500)} …` : l));
  } finally {
    closeSync(fd);
  }
}
