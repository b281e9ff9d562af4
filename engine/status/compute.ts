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
import type { DirHashCache } from '../hash/dir-cache.js';
import { DefinitionScan } from '../manifest/definition.js';
import { fingerprintExternalSync, modeOf, type FingerprintMode } from '../manifest/inputs.js';
import type { Manifest } from '../manifest/schema.js';
import { readAllFailuresSync } from './failures.js';
import { observeInOrder, type Observation } from './observe.js';
import { definitionReasons } from './reasons.js';
import type { FailureInfo, StaleReason, TaskStatus } from './types.js';

export interface StatusOptions {
  /** Hash cache for external input directories (they are fingerprinted with sha256_dir). */
  dirCache?: DirHashCache;
}

export async function computeStatus(ctx: EngineContext, tasks?: Task[], opts: StatusOptions = {}): Promise<TaskStatus[]> {
  const wanted = tasks ?? ctx.dag.tasks;
  const ordered = withUpstream(ctx, wanted);
  const env: DecideEnv = {
    root: ctx.root,
    scan: new DefinitionScan(ctx),
    statuses: new Map(),
    externals: new Map(),
    dirCache: opts.dirCache,
    failures: readAllFailuresSync(ctx.scratch),
  };
  await observeInOrder(ctx.root, ordered, (t, o) => env.statuses.set(t.id, decide(t, o, env)));
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
}

function decide(task: Task, obs: Observation, env: DecideEnv): TaskStatus {
  const failure = env.failures.get(task.id);
  const mr = obs.manifest;
  const m = mr.kind === 'ok' ? mr.manifest : undefined;
  const st: TaskStatus = {
    id: task.id,
    universe: task.universe,
    output: task.output,
    state: 'ok',
    reasons: [],
    key: task.key,
    dataVersion: m ? m.data_version : null,
    finishedAt: m?.finished_at !== undefined ? new Date(m.finished_at * 1000).toISOString() : null,
    durationS: m?.schema_version === 2 ? m.duration_s : null,
    host: m?.host ?? null,
    outdir: task.outdir,
  };
  if (m) {
    st.manifestSchema = m.schema_version;
    st.dedupFrom = m.schema_version === 2 ? m.deduplicated_from : null;
  }
  if (failure) st.failure = failure;
  if (mr.kind === 'unreadable') return set(st, 'unreadable', [{ kind: 'unreadable', detail: mr.reason }]);
  if (!m) {
    if (failure) return set(st, 'failed', [failedReason(failure)]);
    delete st.failure;
    return set(st, 'missing', []);
  }
  if (failure && (m.finished_at === undefined || Date.parse(failure.at) > m.finished_at * 1000)) return set(st, 'failed', [failedReason(failure)]);
  delete st.failure;
  if (obs.listingError !== undefined) return set(st, 'unreadable', [{ kind: 'unreadable', detail: obs.listingError }]);
  if (obs.modified) return set(st, 'modified', obs.modified);
  const reasons = definitionReasons(task, m, env.scan.definition(task));
  inputReasons(task, m, env, reasons);
  return set(st, reasons.length > 0 ? 'stale' : 'ok', reasons);
}

function set(st: TaskStatus, state: TaskStatus['state'], reasons: StaleReason[]): TaskStatus {
  st.state = state;
  st.reasons = reasons;
  return st;
}

function failedReason(f: FailureInfo): StaleReason {
  const how = f.signal ? `killed by ${f.signal}` : f.exitCode !== null ? `exit ${f.exitCode}` : f.reason;
  return { kind: 'failed', detail: `last attempt failed (${how}) at ${f.at}; log: ${f.logPath}` };
}

function inputReasons(task: Task, m: Manifest, env: DecideEnv, out: StaleReason[]): void {
  const recorded = m.input_versions ?? {};
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
      const detail = now === 'missing' ? `input ${input.localId} (${where}) is missing` : `input ${input.localId} (${where}) changed`;
      out.push({ kind: 'input', subject, detail });
    }
  }
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

function upstreamReason(upId: string, localId: string, rec: string | undefined, up: TaskStatus | undefined): StaleReason | undefined {
  const r = (detail: string): StaleReason => ({ kind: 'upstream', subject: upId, detail });
  if (!up) return r(`upstream ${upId} is not in the DAG`);
  if (up.dataVersion === null) return r(`upstream ${upId} is ${up.state}`);
  if (rec === undefined) return r(`input ${localId} (upstream ${upId}) was not recorded in the manifest`);
  if (up.dataVersion !== rec) return r(`upstream ${upId} changed`);
  if (up.state !== 'ok') return r(`upstream ${upId} is ${up.state}`);
  return undefined;
}
