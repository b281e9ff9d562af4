/**
 * The scheduler's user settings: `python:`, `scheduler.idle_timeout` and `scheduler.interface`
 * from the project's `.lightcone/lightcone.yaml` (engine/config/project-config.ts reads and checks
 * the file), overridden by LC_PYTHON, LC_SCHEDULER_IDLE_TIMEOUT and LC_SCHEDULER_INTERFACE.
 */
import { configError, readProjectConfig } from '../config/project-config.js';
import { LcError } from '../errors.js';
import { parseDuration as parseDurationText } from '../astra/resources.js';

export const DEFAULT_IDLE_TIMEOUT_S = 30 * 60;

export interface SchedulerSettings {
  /** Explicit interpreter, when configured. */
  python?: string;
  /** Where `python` came from, for error messages. */
  pythonSource?: string;
  idleTimeoutS: number;
  /** Network interface the scheduler and workers listen on (e.g. hsn0); default: chosen per node. */
  interface?: string;
}

/** Seconds from `1800`, `"1800"`, or a duration (`"90s"`, `"30m"`, `"1h30m"`, `"00:30:00"`); undefined when malformed. */
export function parseDuration(v: unknown): number | undefined {
  const s = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : undefined;
  const secs = s ?? (typeof v === 'string' ? parseDurationText(v) : undefined);
  return secs !== undefined && Number.isFinite(secs) && secs > 0 ? secs : undefined;
}

export function readSchedulerSettings(projectRoot: string, env: NodeJS.ProcessEnv = process.env): SchedulerSettings {
  const config = readProjectConfig(projectRoot);
  const out: SchedulerSettings = { idleTimeoutS: DEFAULT_IDLE_TIMEOUT_S };
  if (config.values.python) {
    out.python = config.values.python;
    out.pythonSource = config.file;
  }
  const it = config.values.scheduler?.idle_timeout;
  if (it !== undefined) {
    const s = parseDuration(it);
    if (s === undefined) {
      throw configError(
        config.file,
        config.lineOf(['scheduler', 'idle_timeout']),
        'scheduler.idle_timeout',
        `'${String(it)}' is not a duration (use seconds, or e.g. 30m, 2h, 90s)`,
      );
    }
    out.idleTimeoutS = s;
  }
  const iface = config.values.scheduler?.interface;
  if (typeof iface === 'string') out.interface = iface;
  if (env.LC_SCHEDULER_INTERFACE?.trim()) out.interface = env.LC_SCHEDULER_INTERFACE.trim();
  if (env.LC_PYTHON) {
    out.python = env.LC_PYTHON;
    out.pythonSource = 'LC_PYTHON';
  }
  if (env.LC_SCHEDULER_IDLE_TIMEOUT) {
    const s = parseDuration(env.LC_SCHEDULER_IDLE_TIMEOUT);
    if (s === undefined) {
      throw new LcError(
        'CONFIG_INVALID',
        `LC_SCHEDULER_IDLE_TIMEOUT='${env.LC_SCHEDULER_IDLE_TIMEOUT}' is not a duration`,
        {
          hint: 'use seconds, or e.g. 30m, 2h, 90s',
        },
      );
    }
    out.idleTimeoutS = s;
  }
  return out;
}
