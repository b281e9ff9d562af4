/**
 * Named queues for pilot jobs: what one pilot asks SLURM for and how many may exist, from
 * `queues:` in `.lightcone/lightcone.yaml` and in the user's `~/.lightcone/config.yaml` (the
 * project's queue of a name replaces the user's). A queue may start from another
 * (`template: cpu`), then override fields. Every bad value is an error naming file, line and
 * field.
 *
 *   queues:
 *     cpu:
 *       nodes: 1              # nodes per pilot job (one worker per node)
 *       cpus: 128             # per node; default: what SLURM gives the job
 *       memory: 480GB         # per node (--mem); default: what SLURM gives the job
 *       gpus: 0               # per node (--gpus-per-node)
 *       walltime: "02:00:00"  # --time: HH:MM:SS, D-HH:MM:SS, or 2h / 90m
 *       partition: regular    # and qos, account, constraint, reservation
 *       sbatch: ["--mail-type=NONE"]   # further sbatch options, as given
 *       max_jobs: 20          # pilot jobs at once (pending + running)
 *       lifetime_margin: 10m  # a worker retires this long before its walltime (default: 10m,
 *                             # or a quarter of a shorter walltime)
 *     gpu: {template: cpu, gpus: 4, constraint: gpu, max_jobs: 4}
 *   scheduler:
 *     queue: cpu              # lc run outside an allocation uses it without --queue; several
 *                             # ([cpu, gpu] or "cpu,gpu"): each task goes to the first that fits
 */
import { configError, readProjectConfig, readUserConfig, type ProjectConfig } from '../config/project-config.js';
import { LcError } from '../errors.js';
import { parseSize } from '../astra/resources.js';
import { parseDuration } from '../scheduler/config.js';

export interface QueueSpec {
  name: string;
  nodes: number;
  /** Per node; undefined: what SLURM gives the job. */
  cpus?: number;
  /** Per node, bytes; undefined: what SLURM gives the job. */
  memoryBytes?: number;
  gpus: number;
  walltimeS: number;
  partition?: string;
  qos?: string;
  account?: string;
  constraint?: string;
  reservation?: string;
  sbatch: string[];
  maxJobs: number;
  lifetimeMarginS: number;
}

export interface QueueSettings {
  queues: Map<string, QueueSpec>;
  /** `scheduler.queue`, when set (the project's, else the user's): one name, or several in order. */
  defaultQueues?: string[];
}

const DEFAULT_WALLTIME_S = 3600;
const DEFAULT_MARGIN_S = 600;
const TEXT_FIELDS = ['partition', 'qos', 'account', 'constraint', 'reservation'] as const;
const FIELDS = new Set(['template', 'nodes', 'cpus', 'memory', 'gpus', 'walltime', 'sbatch', 'max_jobs', 'lifetime_margin', ...TEXT_FIELDS]);

type Raw = Record<string, unknown>;
interface Declared {
  raw: Raw;
  config: ProjectConfig;
}

export function readQueueSettings(projectRoot: string, env: NodeJS.ProcessEnv = process.env): QueueSettings {
  const project = readProjectConfig(projectRoot);
  const user = readUserConfig(env);
  const declared = new Map<string, Declared>();
  for (const config of [user, project]) for (const [name, raw] of entries(config)) declared.set(name, { raw, config });
  const queues = new Map<string, QueueSpec>();
  for (const name of declared.keys()) queues.set(name, resolveQueue(name, declared, []));
  const out: QueueSettings = { queues };
  for (const config of [project, user]) {
    const q = config.values.scheduler?.queue;
    if (q === undefined || q === null) continue;
    out.defaultQueues = defaultQueues(config, q, queues);
    break;
  }
  return out;
}

/** `scheduler.queue` as names in order: a name, a comma list, or a YAML list; each declared, none twice. */
function defaultQueues(config: ProjectConfig, q: string | string[], queues: ReadonlyMap<string, QueueSpec>): string[] {
  const items = typeof q === 'string' ? [q] : q;
  const names: string[] = [];
  items.forEach((item, i) => {
    const line = config.lineOf(typeof q === 'string' ? ['scheduler', 'queue'] : ['scheduler', 'queue', String(i)]) ?? config.lineOf(['scheduler', 'queue']);
    const field = typeof q === 'string' ? 'scheduler.queue' : `scheduler.queue[${i}]`;
    for (const name of item.split(',').map((n) => n.trim())) {
      if (!queues.has(name)) throw configError(config.file, line, field, `no queue named '${name}' under queues:${known(queues)}`);
      if (names.includes(name)) throw configError(config.file, line, field, `queue '${name}' is named twice: a task goes to the first listed queue that fits it`);
      names.push(name);
    }
  });
  return names;
}

/** Queue names as `--queue` and LC_QUEUE give them: `cpu` or `cpu,gpu` (each declared, none twice). */
export function queuesNamed(settings: QueueSettings, text: string, source: string): QueueSpec[] {
  const names = text.split(',').map((n) => n.trim());
  const out: QueueSpec[] = [];
  for (const name of names) {
    if (name === '') throw new LcError('USAGE', `${source}: '${text}' has an empty queue name (give names separated by commas, e.g. cpu,gpu)`);
    if (out.some((q) => q.name === name)) throw new LcError('USAGE', `${source}: queue '${name}' is named twice (a task goes to the first listed queue that fits it)`);
    out.push(queueNamed(settings, name, source));
  }
  return out;
}

/** The queue a run asked for (`--queue`, LC_QUEUE), checked; an error naming the queues there are. */
export function queueNamed(settings: QueueSettings, name: string, source: string): QueueSpec {
  const q = settings.queues.get(name);
  if (!q) throw new LcError('USAGE', `${source}: no queue named '${name}'${known(settings.queues)}`, { hint: 'queues are declared under queues: in .lightcone/lightcone.yaml or ~/.lightcone/config.yaml' });
  return q;
}

function known(queues: ReadonlyMap<string, unknown>): string {
  return queues.size > 0 ? ` (there are: ${[...queues.keys()].join(', ')})` : ' (none is declared)';
}

function entries(config: ProjectConfig): [string, Raw][] {
  const v = config.values.queues;
  if (v === undefined) return [];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw configError(config.file, config.lineOf(['queues']), 'queues', 'must be a mapping of queue names to settings');
  const out: [string, Raw][] = [];
  for (const [name, raw] of Object.entries(v as Raw)) {
    if (!/^[A-Za-z][\w-]*$/.test(name)) throw configError(config.file, config.lineOf(['queues', name]), `queues.${name}`, 'a queue name is a letter, then letters, digits, _ or -');
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw configError(config.file, config.lineOf(['queues', name]), `queues.${name}`, 'must be a mapping of settings (nodes, cpus, walltime, ...)');
    out.push([name, raw as Raw]);
  }
  return out;
}

/** A queue with its template's fields under its own (templates may chain; a cycle is an error). */
function resolveQueue(name: string, declared: ReadonlyMap<string, Declared>, chain: string[]): QueueSpec {
  const d = declared.get(name) as Declared;
  const err = (field: string, message: string) => configError(d.config.file, d.config.lineOf(['queues', name, field]) ?? d.config.lineOf(['queues', name]), `queues.${name}.${field}`, message);
  for (const k of Object.keys(d.raw)) if (!FIELDS.has(k)) throw err(k, `unknown field (known: ${[...FIELDS].join(', ')})`);
  let base: QueueSpec | undefined;
  const t = d.raw.template;
  if (t !== undefined) {
    if (typeof t !== 'string' || !declared.has(t)) throw err('template', `no queue named '${String(t)}' to start from${known(declared)}`);
    if (chain.includes(t) || t === name) throw err('template', `templates go round in a circle: ${[...chain, name, t].join(' -> ')}`);
    base = resolveQueue(t, declared, [...chain, name]);
  }
  const q: QueueSpec = base ? { ...base, name, sbatch: [...base.sbatch] } : { name, nodes: 1, gpus: 0, walltimeS: DEFAULT_WALLTIME_S, sbatch: [], maxJobs: 1, lifetimeMarginS: DEFAULT_MARGIN_S };
  const r = d.raw;
  if (r.nodes !== undefined) q.nodes = int(r.nodes, 1, () => err('nodes', 'must be a whole number of nodes, at least 1'));
  if (r.cpus !== undefined) q.cpus = int(r.cpus, 1, () => err('cpus', 'must be a whole number of cpus per node, at least 1'));
  if (r.gpus !== undefined) q.gpus = int(r.gpus, 0, () => err('gpus', 'must be a whole number of GPUs per node (0 for none)'));
  if (r.max_jobs !== undefined) q.maxJobs = int(r.max_jobs, 1, () => err('max_jobs', 'must be a whole number of pilot jobs, at least 1'));
  if (r.memory !== undefined) {
    const b = typeof r.memory === 'string' ? parseSize(r.memory) : undefined;
    if (b === undefined || b <= 0) throw err('memory', `'${String(r.memory)}' is not a size (e.g. 480GB, 64Gi)`);
    q.memoryBytes = b;
  }
  if (r.walltime !== undefined) {
    const s = slurmTimeS(r.walltime) ?? parseDuration(r.walltime);
    if (s === undefined) throw err('walltime', `'${String(r.walltime)}' is not a time limit (e.g. "02:00:00", "1-00:00:00", 2h)`);
    q.walltimeS = s;
  }
  if (r.lifetime_margin !== undefined) {
    const s = parseDuration(r.lifetime_margin);
    if (s === undefined) throw err('lifetime_margin', `'${String(r.lifetime_margin)}' is not a duration (e.g. 10m)`);
    q.lifetimeMarginS = s;
  }
  for (const f of TEXT_FIELDS) {
    const v = r[f];
    if (v === undefined) continue;
    if (typeof v !== 'string' || !/^[\w.,:+-]+$/.test(v)) throw err(f, `must be a SLURM ${f} name`);
    q[f] = v;
  }
  if (r.sbatch !== undefined) {
    if (!Array.isArray(r.sbatch) || !r.sbatch.every((x) => typeof x === 'string' && /^--?[A-Za-z]/.test(x)))
      throw err('sbatch', 'must be a list of sbatch options, e.g. ["--mail-type=NONE"]');
    q.sbatch = [...q.sbatch, ...(r.sbatch as string[])];
  }
  if (r.lifetime_margin !== undefined || (base && !defaultMargin.has(base))) {
    if (q.lifetimeMarginS >= q.walltimeS) throw err('lifetime_margin', `must be shorter than the walltime (${q.walltimeS} s)`);
  } else {
    // not declared: ten minutes, or a quarter of a short walltime
    q.lifetimeMarginS = Math.min(DEFAULT_MARGIN_S, Math.floor(q.walltimeS / 4));
    defaultMargin.add(q);
  }
  return q;
}

/** Queues whose lifetime_margin nobody declared (their templates' included). */
const defaultMargin = new WeakSet<QueueSpec>();

function int(v: unknown, min: number, fail: () => Error): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw fail();
  return v;
}

/** SLURM's time formats: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS (a bare number is minutes). */
export function slurmTimeS(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$/.exec(v.trim());
  if (!m) return undefined;
  const [d, a, b, c] = [m[1], m[2], m[3], m[4]].map((x) => (x === undefined ? undefined : Number(x)));
  let s: number;
  if (d !== undefined) s = d * 86400 + (a ?? 0) * 3600 + (b ?? 0) * 60 + (c ?? 0);
  else if (c !== undefined) s = (a ?? 0) * 3600 + (b ?? 0) * 60 + c;
  else if (b !== undefined) s = (a ?? 0) * 60 + b;
  else s = (a ?? 0) * 60;
  return s > 0 ? s : undefined;
}

/** Seconds as SLURM's D-HH:MM:SS / HH:MM:SS. */
export function slurmTime(s: number): string {
  const t = Math.ceil(s);
  const d = Math.floor(t / 86400);
  const hms = [Math.floor((t % 86400) / 3600), Math.floor((t % 3600) / 60), t % 60].map((x) => String(x).padStart(2, '0')).join(':');
  return d > 0 ? `${d}-${hms}` : hms;
}
