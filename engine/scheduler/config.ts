/**
 * The scheduler's user settings: `.lightcone/lightcone.yaml` (project) and environment.
 *
 * ```yaml
 * python: /usr/bin/python3        # interpreter that imports `distributed` (env LC_PYTHON wins)
 * scheduler:
 *   idle_timeout: 30m             # number of seconds, or 90s / 30m / 2h / 1h30m (env LC_SCHEDULER_IDLE_TIMEOUT wins)
 * ```
 * Other keys of the file belong to other modules and are ignored here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { LcError } from '../errors.js';

export const DEFAULT_IDLE_TIMEOUT_S = 30 * 60;

export interface SchedulerSettings {
  /** Explicit interpreter, when configured. */
  python?: string;
  /** Where `python` came from, for error messages. */
  pythonSource?: string;
  idleTimeoutS: number;
}

const durationRe = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/;

/** Seconds from `1800`, `"1800"`, `"90s"`, `"30m"`, `"2h"`, `"1h30m"`; undefined when malformed. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v > 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(s)) return parseDuration(Number(s));
  const m = durationRe.exec(s);
  if (!m || s === '') return undefined;
  const total = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  return total > 0 ? total : undefined;
}

const FileSchema = z.looseObject({
  python: z.string().min(1).optional(),
  scheduler: z.looseObject({ idle_timeout: z.union([z.number(), z.string()]).optional() }).optional(),
});

function configError(file: string, line: number | undefined, field: string, message: string): LcError {
  return new LcError('CONFIG_INVALID', `${file}${line ? `:${line}` : ''}: ${field}: ${message}`, {
    context: { file, field, line },
    diagnostics: [
      {
        code: 'CONFIG_INVALID',
        severity: 'error',
        message: `${field}: ${message}`,
        file,
        ...(line ? { line } : {}),
        path: field,
      },
    ],
  });
}

export function readSchedulerSettings(projectRoot: string, env: NodeJS.ProcessEnv = process.env): SchedulerSettings {
  const file = join(projectRoot, '.lightcone', 'lightcone.yaml');
  let raw: string | undefined;
  try {
    raw = readFileSync(file, 'utf8');
  } catch {
    raw = undefined;
  }
  const out: SchedulerSettings = { idleTimeoutS: DEFAULT_IDLE_TIMEOUT_S };
  if (raw !== undefined) {
    const doc = parseDocument(raw);
    const lineOf = (path: string[]): number | undefined => {
      const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
      const off = node?.range?.[0];
      return off === undefined ? undefined : raw.slice(0, off).split('\n').length;
    };
    const parsed = FileSchema.safeParse(doc.toJS() ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = (issue?.path ?? []).map(String);
      throw configError(file, lineOf(path), path.join('.') || '(root)', issue?.message ?? 'invalid');
    }
    if (parsed.data.python) {
      out.python = parsed.data.python;
      out.pythonSource = file;
    }
    const it = parsed.data.scheduler?.idle_timeout;
    if (it !== undefined) {
      const s = parseDuration(it);
      if (s === undefined) {
        throw configError(
          file,
          lineOf(['scheduler', 'idle_timeout']),
          'scheduler.idle_timeout',
          `'${String(it)}' is not a duration (use seconds, or e.g. 30m, 2h, 90s)`,
        );
      }
      out.idleTimeoutS = s;
    }
  }
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
