/**
 * computeStatus: the state of every task, with reasons, from manifests and stat calls only.
 *
 * Pass 1 (I/O): read each task's manifest and list its output dir (observe.ts), read the
 * failure records (one readdir), fingerprint each distinct external input once.
 * Pass 2 (pure): walk tasks in topological order and decide each state; upstream states are
 * known by then, which is how staleness propagates transitively.
 */
import { join } from 'node:path';
import type { EngineContext } from '../context.js';
import type { Task } from '../dag/task.js';
import type { DirHashCache } from '../hash/dir-cache.js';
import { statFingerprint } from '../hash/fingerprint.js';
import { DefinitionScan } from '../manifest/definition.js';
import { fingerprintExternal, modeOf, type FingerprintMode } from '../manifest/inputs.js';
import type { Manifest } from '../manifest/schema.js';
import { readAllFailuresSync } from './failures.js';
import { observeAll, type Observation } from './observe.js';
import { definitionReasons, modifiedReasons } from './reasons.js';
import type { FailureInfo, StaleReason, TaskStatus } from './types.js';

export interface StatusOptions {
  /** Hash cache for external input directories (they are fingerprinted with sha256_dir). */
  dirCache?: DirHashCache;
}

export async function computeStatus(ctx: EngineContext, tasks?: Task[], opts: StatusOptions = {}): Promise<TaskStatus[]> {
  const wanted = tasks ?? ctx.dag.tasks;
  const ordered = withUpstream(ctx, wanted);
  const observed = await observeAll(ctx.root, ordered);
  const failures = readAllFailuresSync(ctx.scratch);
  const externals = await fingerprintExternals(ctx.root, ordered, observed, opts.dirCache);
  const scan = new DefinitionScan(ctx);
  const statuses = new Map<string, TaskStatus>();
  for (const t of ordered) {
    statuses.set(t.id, decide(t, observed.get(t.id) as Observation, failures.get(t.id), { scan, statuses, externals }));
  }
  return wanted.map((t) => statuses.get(t.id) as TaskStatus);
}

/** The wanted tasks plus everything upstream of them, in the DAG's topological order. */
function withUpstream(ctx: EngineContext, wanted: readonly Task[]): Task[] {
  if (wanted === ctx.dag.tasks) return ctx.dag.tasks;
  const need = new Set<string>();
  const stack = wanted.map((t) => t.id);
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (need.has(id)) continue;
    need.add(id);
    for (const d of ctx.dag.byId.get(id)?.deps ?? []) stack.push(d);
  }
  const ordered = ctx.dag.tasks.filter((t) => need.has(t.id));
  // Tasks handed in that the DAG does not know (hand-built) still get a status.
  const known = new Set(ordered.map((t) => t.id));
  for (const t of wanted) if (!known.has(t.id)) ordered.push(t);
  return ordered;
}

const extKey = (mode: FingerprintMode, path: string) => `${mode}\u0000${path}`;

/** Each distinct (external path, mode) once; the mode is the one the manifest recorded. */
async function fingerprintExternals(
  root: string,
  tasks: readonly Task[],
  observed: Map<string, Observation>,
  dirCache: DirHashCache | undefined,
): Promise<Map<string, string>> {
  const wanted = new Map<string, { path: string; mode: FingerprintMode }>();
  for (const t of tasks) {
    const o = observed.get(t.id);
    if (o?.manifest.kind !== 'ok') continue;
    for (const i of t.inputs) {
      if (i.kind !== 'external' || i.path === undefined) continue;
      const rec = o.manifest.manifest.input_versions?.[i.localId];
      const mode = rec === undefined ? 'mtime-size' : modeOf(rec);
      wanted.set(extKey(mode, i.path), { path: i.path, mode });
    }
  }
  const out = new Map<string, string>();
  for (const [k, v] of wanted) {
    try {
      out.set(k, await fingerprintExternal(join(root, v.path), v.mode, dirCache));
    } catch (e) {
      out.set(k, `unreadable: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return out;
}

interface DecideEnv {
  scan: DefinitionScan;
  statuses: Map<string, TaskStatus>;
  externals: Map<string, string>;
}

function decide(task: Task, obs: Observation, failure: FailureInfo | undefined, env: DecideEnv): TaskStatus {
  const base: TaskStatus = {
    id: task.id,
    universe: task.universe,
    output: task.output,
    state: 'ok',
    reasons: [],
    key: task.key,
    dataVersion: null,
    finishedAt: null,
    durationS: null,
    host: null,
    outdir: task.outdir,
  };
  const mr = obs.manifest;
  if (mr.kind === 'unreadable') {
    return { ...base, state: 'unreadable', reasons: [{ kind: 'unreadable', detail: mr.reason }], ...(failure ? { failure } : {}) };
  }
  if (mr.kind === 'missing') {
    return failure ? { ...base, state: 'failed', reasons: [failedReason(failure)], failure } : { ...base, state: 'missing' };
  }
  const m = mr.manifest;
  const st: TaskStatus = {
    ...base,
    dataVersion: m.data_version,
    finishedAt: m.finished_at !== undefined ? new Date(m.finished_at * 1000).toISOString() : null,
    durationS: m.schema_version === 2 ? m.duration_s : null,
    host: m.host ?? null,
    manifestSchema: m.schema_version,
    dedupFrom: m.schema_version === 2 ? m.deduplicated_from : null,
  };
  if (failure && (m.finished_at === undefined || Date.parse(failure.at) > m.finished_at * 1000)) {
    return { ...st, state: 'failed', reasons: [failedReason(failure)], failure };
  }
  const listing = obs.listing;
  if (listing && 'error' in listing) return { ...st, state: 'unreadable', reasons: [{ kind: 'unreadable', detail: listing.error }] };
  if (listing && m.schema_version === 2 && statFingerprint(listing.entries) !== m.stat.fingerprint) {
    return { ...st, state: 'modified', reasons: modifiedReasons(m.stat.entries, listing.entries) };
  }
  const reasons = [...definitionReasons(task, m, env.scan.definition(task)), ...inputReasons(task, m, env)];
  return reasons.length > 0 ? { ...st, state: 'stale', reasons } : st;
}

function failedReason(f: FailureInfo): StaleReason {
  const how = f.signal ? `killed by ${f.signal}` : f.exitCode !== null ? `exit ${f.exitCode}` : f.reason;
  return { kind: 'failed', detail: `last attempt failed (${how}) at ${f.at}; log: ${f.logPath}` };
}

function inputReasons(task: Task, m: Manifest, env: DecideEnv): StaleReason[] {
  const out: StaleReason[] = [];
  const recorded = m.input_versions ?? {};
  for (const input of task.inputs) {
    const rec = recorded[input.localId];
    if (input.kind === 'task') {
      const up = env.statuses.get(input.task);
      const r = upstreamReason(input.task, input.localId, rec, up);
      if (r) out.push(r);
      continue;
    }
    const subject = input.inputQid;
    if (rec === undefined) {
      out.push({ kind: 'input', subject, detail: `input ${input.localId} was not recorded in the manifest` });
      continue;
    }
    const now = input.path === undefined ? (input.source ? `external:${input.source}` : 'missing') : env.externals.get(extKey(modeOf(rec), input.path));
    if (now !== rec) {
      const where = input.path ?? input.source ?? input.localId;
      const detail = now === 'missing' ? `input ${input.localId} (${where}) is missing` : `input ${input.localId} (${where}) changed`;
      out.push({ kind: 'input', subject, detail });
    }
  }
  return out;
}

function upstreamReason(upId: string, localId: string, rec: string | undefined, up: TaskStatus | undefined): StaleReason | undefined {
  const r = (detail: string): StaleReason => ({ kind: 'upstream', subject: upId, detail });
  if (!up) return r(`upstream ${upId} is not in the DAG`);
  if (up.dataVersion === null) return r(`upstream ${upId} is ${up.state}`);
  if (rec === undefined) return r(`input ${localId} (upstream ${upId}) was not recorded in the manifest`);
  if (up.dataVersion !== rec) return r(`upstream ${upId} changed`);
  if (up.state !== 'ok') return r(`upstream ${upId} is ${up.state}`);
  return undefined;
}
