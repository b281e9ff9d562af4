/**
 * computeStatus: the state of every task, with reasons, from manifests and stat calls only.
 *
 * One pass in topological order: observe the task (manifest + stat listing, observe.ts),
 * decide its state, keep only the small TaskStatus. Upstream states are known when a task is
 * decided, which is how staleness propagates transitively. Failure records come from one
 * readdir; each distinct external input is fingerprinted once.
 */
import { join } from 'node:path';
import type { EngineContext } from '../context.js';
import type { Task, TaskInput } from '../dag/task.js';
import { readKnownImages, type KnownImage } from '../containers/known-images.js';
import type { DirHashCache } from '../hash/dir-cache.js';
import { once } from '../lazy-zod.js';
import { DefinitionScan } from '../manifest/definition.js';
import { fingerprintExternalSync, modeOf, type FingerprintMode } from '../manifest/inputs.js';
import { readAllFailuresSync } from './failures.js';
import { racyWindowMs } from './racy-window.js';
import { ObservationCache } from './obs-cache.js';
import type { Prefetched } from './prefetch.js';
import { fullView, observeInOrder, type Observation } from './observe.js';
import { definitionReasons } from './reasons.js';
import type { FailureInfo, StaleReason, TaskStatus } from './types.js';
import { definitionBase, definitionKey, type DefinitionParts } from './view.js';

export interface StatusOptions {
  /** Hash cache for external input directories (they are fingerprinted with sha256_dir). */
  dirCache?: DirHashCache;
  /** Use (and update) the observation cache in the scratch dir (default true). */
  observationCache?: boolean;
  /**
   * Timestamps younger than this are not cached (a change within the same file system
   * timestamp tick could go unseen). Default: by file system, see racy-window.ts. Tests set 0
   * to exercise the cached path.
   */
  racyWindowMs?: number;
  /** Results of startStatusPrefetch (prefetch.ts), started before the spec was loaded. */
  prefetched?: Prefetched;
}

export async function computeStatus(
  ctx: EngineContext,
  tasks?: Task[],
  opts: StatusOptions = {},
): Promise<TaskStatus[]> {
  const wanted = tasks ?? ctx.dag.tasks;
  const ordered = withUpstream(ctx, wanted);
  const env: DecideEnv = {
    root: ctx.root,
    scan: new DefinitionScan(ctx),
    statuses: new Map(),
    externals: new Map(),
    dirCache: opts.dirCache,
    failures: readAllFailuresSync(ctx.scratch),
    bases: new Map(),
    knownImages: once(() => readKnownImages(ctx.scratch.cache)),
  };
  // Loaded on first use: with a prefetch that confirmed everything it is never needed.
  let cache: ObservationCache | undefined;
  const getCache =
    opts.observationCache === false ? undefined : () => (cache ??= ObservationCache.load(ctx.scratch.cache));
  const racyMs = opts.racyWindowMs ?? racyWindowMs(ctx.root);
  const onEach = (t: Task, o: Observation) => env.statuses.set(t.id, decide(t, o, env));
  await observeInOrder(ctx.root, ordered, getCache, racyMs, onEach, opts.prefetched);
  cache?.save();
  return wanted.map((t) => env.statuses.get(t.id) as TaskStatus);
}

/** The wanted tasks plus everything upstream of them, in the DAG's topological order. */
function withUpstream(ctx: EngineContext, wanted: readonly Task[]): readonly Task[] {
  if (wanted === ctx.dag.tasks) return wanted;
  const need = new Set<string>();
  const stack = wanted.map((t) => t.id);
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (need.has(id)) continue;
    need.add(id);
    for (const d of ctx.dag.byId.get(id)?.deps ?? []) stack.push(d);
  }
  if (need.size === ctx.dag.tasks.length) return ctx.dag.tasks;
  const ordered = ctx.dag.tasks.filter((t) => need.has(t.id));
  // Tasks handed in that the DAG does not know (hand-built) still get a status.
  if (ordered.length < need.size) {
    const known = new Set(ordered.map((t) => t.id));
    for (const t of wanted) if (!known.has(t.id)) ordered.push(t);
  }
  return ordered;
}

interface DecideEnv {
  root: string;
  scan: DefinitionScan;
  statuses: Map<string, TaskStatus>;
  /** External fingerprints by mode + path. */
  externals: Map<string, string>;
  dirCache: DirHashCache | undefined;
  failures: Map<string, FailureInfo>;
  /** Definition-key bases by output (see baseOf). */
  bases: Map<string, Omit<DefinitionParts, 'decisions' | 'universe' | 'output'> & { base: string }>;
  /** What image references resolve to, as lc last found (read on first use). */
  knownImages: () => ReadonlyMap<string, KnownImage>;
}

function decide(task: Task, obs: Observation, env: DecideEnv): TaskStatus {
  const { state, reasons, failure } = judge(task, obs, env);
  const m = obs.manifest.kind === 'ok' ? obs.manifest.slim : undefined;
  // One object literal with every field: no shape changes or deletes on a hot path of 10,000.
  return {
    id: task.id,
    universe: task.universe,
    output: task.output,
    state,
    reasons,
    key: task.key,
    dataVersion: m ? m[1] : null,
    finishedAt: m && m[2] !== null ? new Date(m[2] * 1000).toISOString() : null,
    durationS: m ? m[3] : null,
    host: m ? m[4] : null,
    failure,
    outdir: task.outdir,
    dedupFrom: m ? m[5] : null,
    manifestSchema: m ? m[0] : undefined,
    notes: m && task.container !== undefined && m[9] === 'none' ? [hostNote(task.container)] : undefined,
  };
}

interface Judgement {
  state: TaskStatus['state'];
  reasons: StaleReason[];
  /** The failure record, when the state is failed (or unreadable with a failure on record). */
  failure: FailureInfo | undefined;
}

function judge(task: Task, obs: Observation, env: DecideEnv): Judgement {
  const failure = env.failures.get(task.id);
  const mr = obs.manifest;
  if (mr.kind === 'unreadable')
    return { state: 'unreadable', reasons: [{ kind: 'unreadable', detail: mr.reason }], failure };
  if (mr.kind === 'missing') {
    return failure
      ? { state: 'failed', reasons: [failedReason(failure)], failure }
      : { state: 'missing', reasons: [], failure: undefined };
  }
  const finishedAt = mr.slim[2];
  if (failure && (finishedAt === null || Date.parse(failure.at) > finishedAt * 1000)) {
    return { state: 'failed', reasons: [failedReason(failure)], failure };
  }
  if (obs.listingError !== undefined) {
    return { state: 'unreadable', reasons: [{ kind: 'unreadable', detail: obs.listingError }], failure: undefined };
  }
  if (obs.modified) return { state: 'modified', reasons: obs.modified, failure: undefined };
  const reasons = definitionChanges(task, mr, env);
  imageReason(task, mr.slim[10], env, reasons);
  inputReasons(task, mr.slim[7], env, reasons);
  return { state: reasons.length > 0 ? 'stale' : 'ok', reasons, failure: undefined };
}

/**
 * An output that ran in the image a reference named then, when the reference names another
 * image now (as lc last found it: lc run and lc build look). Not known: judged by the
 * declaration alone.
 */
function imageReason(task: Task, ranIn: string | null, env: DecideEnv, out: StaleReason[]): void {
  if (ranIn === null || task.container === undefined || out.some((r) => r.kind === 'container')) return;
  if (env.scan.container(task).reference !== true) return;
  const now = env.knownImages().get(task.container);
  if (now === undefined || now.id === ranIn) return;
  out.push({
    kind: 'container',
    subject: task.container,
    detail: `container ${task.container} now names image ${now.id.slice(7, 19)} (ran in ${ranIn.slice(7, 19)})`,
  });
}

/**
 * Definition reasons. Common case: the recorded definition key equals today's, nothing
 * changed, and the manifest need not be read again. Otherwise compare field by field.
 */
function definitionChanges(task: Task, mr: Observation['manifest'] & { kind: 'ok' }, env: DecideEnv): StaleReason[] {
  const def = env.scan.definition(task);
  const recorded = mr.slim[6];
  if (recorded !== null) {
    const parts = {
      recipe: task.template,
      resolved: def.container.resolved,
      decisions: task.decisions,
      scripts: def.scripts,
      gpus: task.resources.gpus,
      output: task.output,
      universe: task.universe,
    };
    if (definitionKey(parts, baseOf(parts, env)) === recorded) return [];
  }
  const full = fullView(join(env.root, task.outdir), mr);
  if (full.kind !== 'ok' || !full.full) {
    return [
      {
        kind: 'recipe',
        detail: `manifest changed while status read it (${full.kind === 'unreadable' ? full.reason : full.kind}); run lc status again`,
      },
    ];
  }
  return definitionReasons(task, full.full, def);
}

/** The shared part of the definition key, computed once per output while its parts stay the same objects. */
function baseOf(p: DefinitionParts, env: DecideEnv): string {
  const m = env.bases.get(p.output);
  if (m && m.recipe === p.recipe && m.resolved === p.resolved && m.scripts === p.scripts && m.gpus === p.gpus)
    return m.base;
  const base = definitionBase(p);
  env.bases.set(p.output, { recipe: p.recipe, resolved: p.resolved, scripts: p.scripts, gpus: p.gpus, base });
  return base;
}

/** An output whose recipe declares a container that lc ran on the host. */
const hostNote = (container: string): string => `ran on the host, not in its declared container ${container} (container runtime none)`;

function failedReason(f: FailureInfo): StaleReason {
  const how = f.signal ? `killed by ${f.signal}` : f.exitCode !== null ? `exit ${f.exitCode}` : f.reason;
  return { kind: 'failed', detail: `last attempt failed (${how}) at ${f.at}; log: ${f.logPath}` };
}

function inputReasons(task: Task, recorded: Record<string, string>, env: DecideEnv, out: StaleReason[]): void {
  for (const input of task.inputs) {
    const rec = recorded[input.localId];
    if (input.kind === 'task') {
      const r = upstreamReason(input.task, input.localId, rec, env.statuses.get(input.task));
      if (r) out.push(r);
      continue;
    }
    const subject = input.inputQid;
    if (rec === undefined) {
      out.push({ kind: 'input', subject, detail: `input ${input.localId} was not recorded in the manifest` });
      continue;
    }
    const now = externalNow(env, input, modeOf(rec));
    if (now !== rec) {
      const where = input.path ?? input.source ?? input.localId;
      const detail =
        now === 'missing'
          ? `input ${input.localId} (${where}) is missing`
          : onlyTimestamps(rec, now)
            ? `input ${input.localId} (${where}) has new timestamps, same size (lc verify --refresh checks its bytes)`
            : `input ${input.localId} (${where}) changed`;
      out.push({ kind: 'input', subject, detail });
    }
  }
}

/** Two `mtime-size:<mtime>-<size>` fingerprints of the same size: a copy or a touch, or an edit. */
function onlyTimestamps(recorded: string, now: string): boolean {
  const size = (v: string) => (v.startsWith('mtime-size:') ? v.slice(v.lastIndexOf('-') + 1) : null);
  const a = size(recorded);
  return a !== null && a === size(now);
}

function externalNow(env: DecideEnv, input: TaskInput & { kind: 'external' }, mode: FingerprintMode): string {
  if (input.path === undefined) return input.source ? `external:${input.source}` : 'missing';
  const k = `${mode}\u0000${input.path}`;
  let v = env.externals.get(k);
  if (v === undefined) {
    try {
      v = fingerprintExternalSync(join(env.root, input.path), mode, env.dirCache);
    } catch (e) {
      v = `unreadable: ${e instanceof Error ? e.message : String(e)}`;
    }
    env.externals.set(k, v);
  }
  return v;
}

function upstreamReason(
  upId: string,
  localId: string,
  rec: string | undefined,
  up: TaskStatus | undefined,
): StaleReason | undefined {
  const r = (detail: string): StaleReason => ({ kind: 'upstream', subject: upId, detail });
  if (!up) return r(`upstream ${upId} is not in the DAG`);
  if (up.dataVersion === null) return r(`upstream ${upId} is ${up.state}`);
  if (rec === undefined) return r(`input ${localId} (upstream ${upId}) was not recorded in the manifest`);
  if (up.dataVersion !== rec) return r(`upstream ${upId} changed`);
  if (up.state !== 'ok') return r(`upstream ${upId} is ${up.state}`);
  return undefined;
}
