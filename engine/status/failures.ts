/**
 * Failure records: the last failed attempt of a task, kept in the scratch dir (never in the
 * output dir, which the next attempt empties). One small versioned JSON per task, named by the
 * URI-encoded task id, so one readdir tells status which tasks have one.
 */
import { existsSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once, zod } from '../lazy-zod.js';
import type { ScratchPaths } from '../scratch/paths.js';
import type { FailureInfo } from './types.js';

export const FAILURE_SCHEMA = 1;

/** Built on first use (see lazy-zod.ts): status reads failure records only when some exist. */
const failureFileSchema = once(() => {
  const z = zod();
  return z.object({
    schema: z.literal(FAILURE_SCHEMA),
    task: z.string(),
    exitCode: z.number().nullable(),
    signal: z.string().nullable(),
    at: z.string(),
    logPath: z.string(),
    reason: z.string(),
  });
});

const SUFFIX = '.json';

export const failurePath = (scratch: Pick<ScratchPaths, 'failures'>, taskId: string): string =>
  join(scratch.failures, encodeURIComponent(taskId) + SUFFIX);

export async function recordFailure(
  scratch: Pick<ScratchPaths, 'failures'>,
  taskId: string,
  info: FailureInfo,
): Promise<void> {
  await mkdir(scratch.failures, { recursive: true });
  const path = failurePath(scratch, taskId);
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const doc = { schema: FAILURE_SCHEMA, task: taskId, ...pick(info) };
  await writeFile(tmp, JSON.stringify(doc, null, 2) + '\n');
  await rename(tmp, path);
}

/**
 * Synchronous, and a lookup before the unlink: every successful task calls this and almost none
 * has a record, so the usual cost is one cached negative lookup, not a thread-pool round trip
 * and an ENOENT error object.
 */
export function clearFailure(scratch: Pick<ScratchPaths, 'failures'>, taskId: string): void {
  const path = failurePath(scratch, taskId);
  if (!existsSync(path)) return;
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

export async function readFailure(
  scratch: Pick<ScratchPaths, 'failures'>,
  taskId: string,
): Promise<FailureInfo | undefined> {
  try {
    return parse(await readFile(failurePath(scratch, taskId), 'utf8'), taskId);
  } catch {
    return undefined;
  }
}

/** Every failure record of the project (one readdir); unparseable records are ignored. */
export function readAllFailuresSync(scratch: Pick<ScratchPaths, 'failures'>): Map<string, FailureInfo> {
  const out = new Map<string, FailureInfo>();
  let names: string[];
  try {
    names = readdirSync(scratch.failures);
  } catch {
    return out;
  }
  for (const name of names) {
    if (!name.endsWith(SUFFIX)) continue;
    const id = decodeURIComponent(name.slice(0, -SUFFIX.length));
    try {
      const info = parse(readFileSync(join(scratch.failures, name), 'utf8'), id);
      if (info) out.set(id, info);
    } catch {
      // vanished or unreadable: as if there were no record
    }
  }
  return out;
}

function parse(text: string, taskId: string): FailureInfo | undefined {
  const r = failureFileSchema().safeParse(JSON.parse(text));
  if (!r.success || r.data.task !== taskId) return undefined;
  return pick(r.data);
}

function pick(i: FailureInfo): FailureInfo {
  return { exitCode: i.exitCode, signal: i.signal, at: i.at, logPath: i.logPath, reason: i.reason };
}
