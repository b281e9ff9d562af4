/**
 * Hand-built tasks and projects for manifest/status/verify tests: real directories in a temp
 * dir, a Dag assembled from Task objects (no spec loader needed), and helpers that
 * "materialise" a task the way the runner will (write its files, snapshot inputs, recordSuccess).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { EngineContext } from '../../engine/context.js';
import type { Dag, Task, TaskInput } from '../../engine/dag/task.js';
import { recordSuccess } from '../../engine/manifest/record.js';
import { snapshotInputs } from '../../engine/manifest/inputs.js';
import { scratchPaths } from '../../engine/scratch/paths.js';
import type { ProjectInfo } from '../../engine/astra/info.js';

export function tempRoot(prefix = 'lc-manifest-'): { root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export function writeFiles(base: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = join(base, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
}

export interface TaskSpec {
  universe: string;
  output: string;
  template: string;
  type?: Task['type'];
  decisions?: Record<string, string>;
  container?: string;
  inputs?: TaskInput[];
  gpus?: number;
}

export function makeTask(s: TaskSpec): Task {
  const outdir = `results/${s.universe}/${s.output}`;
  const inputs = s.inputs ?? [];
  return {
    id: `${s.universe}/${s.output}`,
    universe: s.universe,
    output: s.output,
    type: s.type ?? 'data',
    key: `sha256:key-${s.universe}-${s.output}`,
    group: `${s.universe}/${s.output}`,
    deps: inputs.filter((i) => i.kind === 'task').map((i) => (i as { task: string }).task),
    command: s.template.replace(/\{output\}/g, outdir),
    template: s.template,
    ...(s.container !== undefined ? { container: s.container } : {}),
    outdir,
    resources: { cpus: 1, gpus: s.gpus ?? 0 },
    decisions: s.decisions ?? {},
    inputs,
  };
}

/** An upstream task input pointing at `universe/output`. */
export const upstream = (localId: string, universe: string, output: string): TaskInput => ({
  kind: 'task',
  localId,
  task: `${universe}/${output}`,
  path: `results/${universe}/${output}`,
});

export const external = (localId: string, path: string): TaskInput => ({
  kind: 'external',
  localId,
  inputQid: localId,
  source: path,
  path,
});

export function makeCtx(root: string, tasks: Task[]): EngineContext {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const dependents = new Map<string, string[]>();
  for (const t of tasks) for (const d of t.deps) dependents.set(d, [...(dependents.get(d) ?? []), t.id]);
  const dag: Dag = {
    root,
    tasks,
    byId,
    dependents,
    universes: [...new Set(tasks.map((t) => t.universe))].sort(),
    outputs: [...new Set(tasks.map((t) => t.output))],
  };
  const project: ProjectInfo = {
    name: 'fixture',
    specFile: join(root, 'astra.yaml'),
    universeIds: [],
    outputSpecDirs: new Map(),
  };
  return { root, project, dag, scratch: scratchPaths(root, { LIGHTCONE_SCRATCH: join(root, '.scratch') }) };
}

/** Write a task's output files and record its manifest, as the runner does after a success. */
export async function materialise(
  ctx: EngineContext,
  taskId: string,
  files: Record<string, string | Buffer>,
  opts: { strict?: boolean } = {},
) {
  const task = ctx.dag.byId.get(taskId);
  if (!task) throw new Error(`no task ${taskId}`);
  const inputs = await snapshotInputs(ctx, task, opts);
  const dir = join(ctx.root, task.outdir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const startedAt = Date.now();
  writeFiles(dir, files);
  return recordSuccess(ctx, task, {
    startedAt,
    finishedAt: Date.now(),
    exitCode: 0,
    host: 'testhost',
    executor: 'local',
    attempt: 1,
    inputs,
  });
}

/**
 * A materialised two-step chain: u1/clean (copies the external input data/points.csv, plus
 * `moreBytes` in sub/more.bin) -> u1/fit (reads clean). `extra` tasks join the DAG unrun.
 */
export async function cleanFitChain(
  prefix: string,
  opts: { moreBytes: number; extra?: Task[] },
): Promise<{ root: string; ctx: EngineContext; cleanup: () => void }> {
  const t = tempRoot(prefix);
  writeFiles(t.root, { 'data/points.csv': 'x,y\n1,2\n' });
  const clean = makeTask({
    universe: 'u1',
    output: 'clean',
    template: 'cp {inputs.points} {output}/c.csv',
    inputs: [external('points', 'data/points.csv')],
  });
  const fit = makeTask({
    universe: 'u1',
    output: 'fit',
    template: 'wc -l {inputs.clean} > {output}/fit.txt',
    inputs: [upstream('clean', 'u1', 'clean')],
  });
  const ctx = makeCtx(t.root, [clean, fit, ...(opts.extra ?? [])]);
  await materialise(ctx, 'u1/clean', { 'c.csv': 'x,y\n1,2\n', 'sub/more.bin': Buffer.alloc(opts.moreBytes, 7) });
  await materialise(ctx, 'u1/fit', { 'fit.txt': '2\n' });
  return { root: t.root, ctx, cleanup: t.cleanup };
}
