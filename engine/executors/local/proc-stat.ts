/**
 * CPU load from /proc/stat on Linux. systeminformation's currentLoad() spawns a shell
 * (`cat /proc/stat`) on every call, and the TUI asks once a second; one file read does the
 * same job. Elsewhere (macOS, or a /proc we cannot read) callers fall back to systeminformation.
 */
import { readFile } from 'node:fs/promises';

export interface CpuTimes {
  /** Jiffies spent doing anything but idling (user, nice, system, irq, softirq, steal). */
  busy: number;
  /** All jiffies, busy plus idle and iowait. */
  total: number;
}

/** The aggregate `cpu` line of /proc/stat text; undefined when it is not there or malformed. */
export function parseProcStat(text: string): CpuTimes | undefined {
  const line = /^cpu\s+([\d\s]+)$/m.exec(text)?.[1];
  if (!line) return undefined;
  const f = line.trim().split(/\s+/).map(Number);
  if (f.length < 4 || f.some((n) => !Number.isFinite(n))) return undefined;
  // user nice system idle iowait irq softirq steal [guest guest_nice]: guest time is already
  // counted in user/nice, so only the first eight fields add up to the total.
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** Busy percentage between two readings (0 when no time passed). */
export function cpuPercentBetween(a: CpuTimes, b: CpuTimes): number {
  const dt = b.total - a.total;
  if (dt <= 0) return 0;
  return Math.min(100, Math.max(0, ((b.busy - a.busy) / dt) * 100));
}

/** Read /proc/stat now; undefined off Linux or when it cannot be read. */
export async function readCpuTimes(): Promise<CpuTimes | undefined> {
  if (process.platform !== 'linux') return undefined;
  try {
    return parseProcStat(await readFile('/proc/stat', 'utf8'));
  } catch {
    return undefined;
  }
}
