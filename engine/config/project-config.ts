/**
 * The project's own settings file, `.lightcone/lightcone.yaml`, read in one place:
 *
 * ```yaml
 * scratch_root: $SCRATCH/lc        # where logs, locks, journals and scheduler state live
 * python: /usr/bin/python3         # interpreter that imports `distributed`
 * container:
 *   runtime: podman                # auto | podman-hpc | podman | docker | apptainer | singularity | none
 * scheduler:
 *   idle_timeout: 30m              # seconds, or 90s / 30m / 2h / 1h30m / 00:30:00
 *   interface: hsn0                # network interface of scheduler and workers (default: chosen)
 *   queue: cpu                     # outside an allocation, lc run computes in pilot jobs of this queue
 *                                  # (or several: [cpu, gpu]; a task goes to the first that fits it)
 * queues:                          # pilot jobs (engine/queues/config.ts)
 *   cpu: {nodes: 1, cpus: 128, memory: 480GB, walltime: "02:00:00", partition: regular, max_jobs: 20}
 * target: local                    # left over from Lightcone; accepted and ignored
 * ```
 *
 * A file that does not parse or has a field of the wrong type is an error naming the file,
 * line and field: a silently ignored scratch_root would scatter state across the wrong disk.
 * The `yaml` package is loaded only when the file exists, because this runs on every command.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { LcError } from '../errors.js';

/** Known fields; other keys are accepted and ignored (older Lightcone files carry `target:`). */
export interface ProjectConfigValues {
  scratch_root?: string;
  python?: string;
  scheduler?: { idle_timeout?: number | string; interface?: string; queue?: string | string[] };
  container?: { runtime?: string };
  /** Named queues for pilot jobs; checked by engine/queues/config.ts (which knows their fields). */
  queues?: unknown;
}

/** Container runtimes `container.runtime` may name (engine/containers/runtime.ts). */
export const CONTAINER_RUNTIME_SETTINGS = ['auto', 'podman-hpc', 'podman', 'docker', 'apptainer', 'singularity', 'none'] as const;

export interface ProjectConfig {
  /** Absolute path of the settings file (whether or not it exists). */
  file: string;
  exists: boolean;
  values: ProjectConfigValues;
  /** 1-based line of a field, for error messages about its value. */
  lineOf(path: readonly string[]): number | undefined;
}

export const projectConfigFile = (projectRoot: string): string => join(projectRoot, '.lightcone', 'lightcone.yaml');

export function configError(
  file: string,
  line: number | undefined,
  field: string,
  message: string,
  hint?: string,
): LcError {
  return new LcError('CONFIG_INVALID', `${file}${line ? `:${line}` : ''}: ${field}: ${message}`, {
    context: { file, field, line },
    ...(hint ? { hint } : {}),
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

/** Read and validate the settings file (small; read fresh each call so a long-lived TUI sees edits). */
export function readProjectConfig(projectRoot: string): ProjectConfig {
  return readConfigFile(projectConfigFile(projectRoot));
}

/**
 * The user's settings, `~/.lightcone/config.yaml` (Lightcone's file, where it keeps
 * `container: {runtime: ...}`): same format and checks as the project's, read only for the
 * settings a user sets for every project (the container runtime); the project's file wins.
 */
export function readUserConfig(env: NodeJS.ProcessEnv = process.env): ProjectConfig {
  return readConfigFile(userConfigFile(env));
}

/** A settings file, checked; a missing one is empty. */
function readConfigFile(file: string): ProjectConfig {
  let raw: string | undefined;
  try {
    raw = readFileSync(file, 'utf8');
  } catch {
    raw = undefined;
  }
  return raw === undefined ? { file, exists: false, values: {}, lineOf: () => undefined } : parseConfig(file, raw);
}

export const userConfigFile = (env: NodeJS.ProcessEnv = process.env): string => join(env.HOME || homedir(), '.lightcone', 'config.yaml');

function parseConfig(file: string, raw: string): ProjectConfig {
  const yaml = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  const doc = yaml.parseDocument(raw);
  const lineAt = (offset: number | undefined) =>
    offset === undefined ? undefined : raw.slice(0, offset).split('\n').length;
  const first = doc.errors[0];
  if (first) throw configError(file, lineAt(first.pos[0]), '(file)', `not valid YAML: ${first.message.split('\n')[0]}`);
  const lineOf = (path: readonly string[]): number | undefined =>
    lineAt((doc.getIn(path, true) as { range?: [number, number, number] } | undefined)?.range?.[0]);
  const values = checkValues(doc.toJS() ?? {});
  if (typeof values === 'string' || Array.isArray(values)) {
    const [path, message] = typeof values === 'string' ? [[], values] : values;
    throw configError(file, lineOf(path), path.join('.') || '(root)', message);
  }
  return { file, exists: true, values, lineOf };
}

type CheckFailure = string | [string[], string];

/**
 * Hand-written rather than zod: this runs on every command and zod's import alone costs more
 * than the rest of reading the file.
 */
function checkValues(v: unknown): ProjectConfigValues | CheckFailure {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'the file must be a mapping of settings';
  const o = v as Record<string, unknown>;
  for (const key of ['scratch_root', 'python'] as const) {
    const x = o[key];
    if (x !== undefined && x !== null && (typeof x !== 'string' || x === ''))
      return [[key], 'must be a non-empty string'];
  }
  const sched = o.scheduler;
  if (sched !== undefined && sched !== null) {
    if (typeof sched !== 'object' || Array.isArray(sched))
      return [['scheduler'], 'must be a mapping (e.g. idle_timeout: 30m)'];
    const it = (sched as Record<string, unknown>).idle_timeout;
    if (it !== undefined && typeof it !== 'number' && typeof it !== 'string') {
      return [['scheduler', 'idle_timeout'], 'must be seconds or a duration such as 30m'];
    }
    const iface = (sched as Record<string, unknown>).interface;
    if (iface !== undefined && iface !== null && (typeof iface !== 'string' || !/^[\w.:-]+$/.test(iface))) {
      return [['scheduler', 'interface'], 'must be a network interface name such as hsn0 or ib0'];
    }
    const queue = (sched as Record<string, unknown>).queue;
    // one queue, or several (a list, or names separated by commas): each task goes to the first that fits it
    const names = typeof queue === 'string' ? [queue] : Array.isArray(queue) ? queue : undefined;
    if (queue !== undefined && queue !== null && (names === undefined || names.length === 0 || !names.every((n) => typeof n === 'string' && n !== '')))
      return [['scheduler', 'queue'], 'must be the name of a queue under queues:, or a list of them'];
  }
  const cont = o.container;
  if (cont !== undefined && cont !== null) {
    if (typeof cont !== 'object' || Array.isArray(cont)) return [['container'], 'must be a mapping (e.g. runtime: podman)'];
    const rt = (cont as Record<string, unknown>).runtime;
    if (rt !== undefined && rt !== null && !(CONTAINER_RUNTIME_SETTINGS as readonly unknown[]).includes(rt))
      return [['container', 'runtime'], `must be one of ${CONTAINER_RUNTIME_SETTINGS.join(', ')}`];
  }
  const out: ProjectConfigValues = {};
  if (o.queues !== undefined && o.queues !== null) out.queues = o.queues;
  if (cont && typeof cont === 'object') out.container = cont as { runtime?: string };
  if (typeof o.scratch_root === 'string') out.scratch_root = o.scratch_root;
  if (typeof o.python === 'string') out.python = o.python;
  if (sched && typeof sched === 'object') out.scheduler = sched as { idle_timeout?: number | string; interface?: string; queue?: string | string[] };
  return out;
}
