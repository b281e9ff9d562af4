/**
 * Process identity on Linux via /proc, so we never signal a pid that the kernel has since
 * given to someone else: a pid is "ours" only while its start time (field 22 of
 * /proc/<pid>/stat, clock ticks since boot) and command line still match what we recorded.
 */
import { readFileSync } from 'node:fs';

/** Start time of a live, non-zombie process, or undefined. */
export function procStartTime(pid: number): string | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm (field 2) may hold spaces and parens: split after the LAST ')'
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = rest[0];
  if (state === 'Z' || state === 'X') return undefined;
  return rest[19]; // field 22 overall = index 19 after pid, comm
}

export function procCmdline(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

/** True when pid is alive, started at `startTime` (if given) and its command line holds every `needle`. */
export function isOurProcess(pid: number | undefined, needles: string[], startTime?: string): boolean {
  if (pid === undefined) return false;
  const st = procStartTime(pid);
  if (st === undefined) return false;
  if (startTime !== undefined && st !== startTime) return false;
  const cmd = procCmdline(pid);
  return cmd !== undefined && needles.every((n) => cmd.includes(n));
}

export function signalIfOurs(
  pid: number | undefined,
  needles: string[],
  sig: NodeJS.Signals,
  startTime?: string,
): boolean {
  if (pid === undefined || !isOurProcess(pid, needles, startTime)) return false;
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Wait until `pid` is gone (or no longer ours); true when it went within the time. */
export async function waitGone(pid: number, startTime: string | undefined, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const st = procStartTime(pid);
    if (st === undefined || (startTime !== undefined && st !== startTime)) return true;
    if (Date.now() >= end) return false;
    await sleep(50);
  }
}
