/**
 * Recipe resources in one typed form (bytes, seconds), from either spelling:
 *   ASTRA:     cpus (number >= 0), memory ("32GB"), gpus (int >= 1), time_limit ("2h"), disk ("10Gi")
 *   Lightcone: cpus_per_task, mem_mb (megabytes, x 1,000,000 as lightcone-cli does), gpus_per_task
 * Both spellings of the same resource in one recipe is an error (which one would win is a guess).
 * Lightcone names get a warning: `astra validate` and the JSON Schema reject them.
 *
 * Sizes: a number and a unit. K/M/G/T/P and KB/MB/GB/TB/PB are powers of 1000; Ki/Mi/Gi/Ti/Pi
 * (and KiB...) are powers of 1024; B is bytes; case is ignored. A number without a unit is
 * refused: Slurm reads `--mem=100` as megabytes, Kubernetes reads `100` as bytes, and guessing
 * wrong by a factor of a million is worse than asking.
 * Durations: `90s`, `30m`, `2h`, `1d`, compounds like `1h30m`, decimals like `1.5h`; clock forms
 * `MM:SS`, `HH:MM:SS`, and Slurm's `D-HH`, `D-HH:MM`, `D-HH:MM:SS`. A bare number is refused
 * for the same reason (Slurm: minutes; most tools: seconds).
 */
import type { Diagnostic, SourceRef } from '../errors.js';
import { diagnosticAt } from '../errors.js';
import type { Resources } from './model.js';
import type { RawResources } from './schema.js';

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  p: 1e15,
  pb: 1e15,
  ki: 2 ** 10,
  kib: 2 ** 10,
  mi: 2 ** 20,
  mib: 2 ** 20,
  gi: 2 ** 30,
  gib: 2 ** 30,
  ti: 2 ** 40,
  tib: 2 ** 40,
  pi: 2 ** 50,
  pib: 2 ** 50,
};

export const SIZE_FORMS = '"500MB", "16GB", "512Mi", "16GiB", "2T" (K/M/G/T = powers of 1000, Ki/Mi/Gi/Ti = powers of 1024)';
export const DURATION_FORMS = '"90s", "30m", "2h", "1h30m", "1d", "00:30:00" (HH:MM:SS), "1-12:00:00" (D-HH:MM:SS)';

/** Bytes for a size like "16GB" or "512Mi"; undefined when it does not parse. */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([A-Za-z]+)\s*$/.exec(text);
  if (!m) return undefined;
  const unit = SIZE_UNITS[(m[2] as string).toLowerCase()];
  if (unit === undefined) return undefined;
  return Math.round(Number(m[1]) * unit);
}

const DURATION_UNITS: Record<string, number> = { d: 86400, h: 3600, m: 60, min: 60, s: 1 };

/** Seconds for a duration like "1h30m" or "00:30:00"; undefined when it does not parse. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  // Clock forms: [D-]HH:MM:SS, MM:SS, D-HH, D-HH:MM.
  const clock = /^(?:(\d+)-)?(\d+)(?::(\d{1,2}))?(?::(\d{1,2}))?$/.exec(t);
  if (clock && (clock[1] !== undefined || clock[3] !== undefined)) {
    const days = Number(clock[1] ?? 0);
    const parts = [clock[2], clock[3], clock[4]].filter((p): p is string => p !== undefined).map(Number);
    let secs: number;
    if (clock[1] !== undefined) {
      // Slurm: days-hours[:minutes[:seconds]]
      secs = (parts[0] ?? 0) * 3600 + (parts[1] ?? 0) * 60 + (parts[2] ?? 0);
    } else if (parts.length === 2) {
      secs = (parts[0] as number) * 60 + (parts[1] as number); // MM:SS
    } else {
      secs = (parts[0] as number) * 3600 + (parts[1] as number) * 60 + (parts[2] as number); // HH:MM:SS
    }
    return days * 86400 + secs;
  }
  const re = /(\d+(?:\.\d+)?|\.\d+)\s*(min|d|h|m|s)/gy;
  let total = 0;
  let matched = 0;
  let pos = 0;
  while (pos < t.length) {
    re.lastIndex = pos;
    const m = re.exec(t);
    if (!m) return undefined;
    total += Number(m[1]) * (DURATION_UNITS[m[2] as string] as number);
    matched++;
    pos = re.lastIndex;
    while (t[pos] === ' ') pos++;
  }
  return matched > 0 ? Math.round(total) : undefined;
}

/** Where each field of one `resources:` mapping is, and whose it is (for messages). */
export interface ResourcesContext {
  /** Position of a field's value, or of its name with `key`. */
  at: (field: string, key?: boolean) => SourceRef;
  owner: string;
}

const LIGHTCONE: Record<string, { astra: 'cpus' | 'memory' | 'gpus'; example: (v: number) => string }> = {
  cpus_per_task: { astra: 'cpus', example: (v) => `cpus: ${v}` },
  mem_mb: { astra: 'memory', example: (v) => `memory: "${v}MB"` },
  gpus_per_task: { astra: 'gpus', example: (v) => (v === 0 ? 'remove it: no GPUs is the default' : `gpus: ${v}`) },
};

export function normaliseResources(raw: RawResources | null | undefined, ctx: ResourcesContext): { resources: Resources; diagnostics: Diagnostic[] } {
  const resources: Resources = { cpus: 1, gpus: 0 };
  const diagnostics: Diagnostic[] = [];
  if (!raw) return { resources, diagnostics };
  const given = (v: unknown): v is number | string => v !== null && v !== undefined;

  for (const [name, info] of Object.entries(LIGHTCONE)) {
    const v = raw[name as keyof RawResources];
    if (!given(v)) continue;
    if (given(raw[info.astra])) {
      diagnostics.push(
        diagnosticAt(ctx.at(name, true), 'RESOURCE_CONFLICT', `${ctx.owner}: both \`${info.astra}\` and \`${name}\` are given; they mean the same resource`, {
          hint: `keep only \`${info.astra}\``,
        }),
      );
      continue;
    }
    diagnostics.push(
      diagnosticAt(ctx.at(name, true), 'LIGHTCONE_RESOURCE', `${ctx.owner}: \`${name}\` is a Lightcone name; ASTRA tools only know \`${info.astra}\``, {
        severity: 'warning',
        hint: info.example(Number(v)),
      }),
    );
  }

  const cpus = raw.cpus ?? raw.cpus_per_task;
  if (given(cpus)) resources.cpus = cpus;
  const gpus = raw.gpus ?? raw.gpus_per_task;
  if (given(gpus)) resources.gpus = gpus;
  if (given(raw.memory)) {
    const b = sized(raw.memory, 'memory', ctx, diagnostics);
    if (b !== undefined) resources.memoryBytes = b;
  } else if (given(raw.mem_mb)) {
    resources.memoryBytes = Math.round(raw.mem_mb * 1e6);
  }
  if (given(raw.disk)) {
    const b = sized(raw.disk, 'disk', ctx, diagnostics);
    if (b !== undefined) resources.diskBytes = b;
  }
  if (given(raw.time_limit)) {
    const s = parseDuration(raw.time_limit);
    if (s === undefined || s <= 0) {
      diagnostics.push(
        diagnosticAt(ctx.at('time_limit'), 'INVALID_RESOURCE', `${ctx.owner}: time_limit \`${raw.time_limit}\` is not a duration lc understands`, {
          hint: `write a positive duration with a unit, e.g. ${DURATION_FORMS}`,
        }),
      );
    } else {
      resources.timeLimitS = s;
    }
  }
  return { resources, diagnostics };
}

function sized(text: string, field: string, ctx: ResourcesContext, out: Diagnostic[]): number | undefined {
  const b = parseSize(text);
  if (b !== undefined && b > 0) return b;
  const bare = /^\s*[\d.]+\s*$/.test(text);
  out.push(
    diagnosticAt(
      ctx.at(field),
      'INVALID_RESOURCE',
      bare ? `${ctx.owner}: ${field} \`${text}\` has no unit (megabytes? bytes?)` : `${ctx.owner}: ${field} \`${text}\` is not a size lc understands`,
      { hint: `write a positive size with a unit, e.g. ${SIZE_FORMS}` },
    ),
  );
  return undefined;
}
