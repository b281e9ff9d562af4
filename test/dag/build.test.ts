import { describe, expect, it } from 'vitest';
import { buildDag, taskKey, type KeyInput } from '../../engine/dag/index.js';
import type { Dag } from '../../engine/dag/task.js';
import { buildProject, lineFit } from './model-builder.js';

function mustBuild(p: ReturnType<typeof buildProject>, universes?: string[]): Dag {
  const r = buildDag(p, universes ? { universes } : {});
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  if (!r.dag) throw new Error('no dag');
  return r.dag;
}

describe('buildDag on the line-fit model', () => {
  const dag = mustBuild(lineFit());

  it('makes one task per (universe, output) in layer, spec, universe order', () => {
    expect(dag.tasks).toHaveLength(16);
    expect(dag.outputs).toEqual(['cleaned', 'fit', 'residuals', 'summary']);
    expect(dag.tasks.slice(0, 5).map((t) => t.id)).toEqual([
      'baseline/cleaned',
      'clipped-ols/cleaned',
      'raw-median/cleaned',
      'robust/cleaned',
      'baseline/fit',
    ]);
    expect(dag.universes).toEqual(['baseline', 'clipped-ols', 'raw-median', 'robust']);
    expect([...(dag.layer ?? [])]).toEqual([
      ['cleaned', 0],
      ['fit', 1],
      ['residuals', 2],
      ['summary', 3],
    ]);
  });

  it('wires edges within one universe, in input order, and reverse edges', () => {
    const t = dag.byId.get('robust/residuals');
    expect(t?.deps).toEqual(['robust/cleaned', 'robust/fit']);
    expect(t?.inputs).toEqual([
      { kind: 'task', localId: 'cleaned', task: 'robust/cleaned', path: 'results/robust/cleaned' },
      { kind: 'task', localId: 'fit', task: 'robust/fit', path: 'results/robust/fit' },
    ]);
    expect(dag.dependents.get('robust/cleaned')).toEqual(['robust/fit', 'robust/residuals']);
    expect(dag.dependents.get('robust/summary')).toEqual([]);
    // dependencies always come first
    const pos = new Map(dag.tasks.map((x, i) => [x.id, i]));
    for (const x of dag.tasks) for (const d of x.deps) expect(pos.get(d)).toBeLessThan(pos.get(x.id) as number);
  });

  it('records external inputs as leaves with their project-relative path', () => {
    const t = dag.byId.get('baseline/cleaned');
    expect(t?.deps).toEqual([]);
    expect(t?.inputs).toEqual([{ kind: 'external', localId: 'points', inputQid: 'points', source: 'data/points.csv', path: 'data/points.csv' }]);
    expect(t?.command).toBe('sh scripts/clean.sh data/points.csv none results/baseline/cleaned');
    expect(t?.decisions).toEqual({ outlier_cut: 'none' });
  });

  it('renders {inputs} as every input path in declaration order', () => {
    expect(dag.byId.get('raw-median/summary')?.command).toBe(
      'sh scripts/summary.sh results/raw-median/fit results/raw-median/residuals results/raw-median/summary',
    );
  });

  it('gives equal keys (one execution group) when the scoped decisions agree', () => {
    const a = dag.byId.get('baseline/cleaned');
    const b = dag.byId.get('raw-median/cleaned');
    const c = dag.byId.get('clipped-ols/cleaned');
    const d = dag.byId.get('robust/cleaned');
    expect(a?.key).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(a?.key).toBe(b?.key);
    expect(c?.key).toBe(d?.key);
    expect(a?.key).not.toBe(c?.key);
    expect([a?.group, b?.group, c?.group, d?.group]).toEqual(['baseline/cleaned', 'baseline/cleaned', 'clipped-ols/cleaned', 'clipped-ols/cleaned']);
  });

  it('gives different keys downstream when any upstream or scoped decision differs', () => {
    const fits = ['baseline', 'clipped-ols', 'raw-median', 'robust'].map((u) => dag.byId.get(`${u}/fit`)?.key);
    expect(new Set(fits).size).toBe(4);
    expect(new Set(dag.tasks.map((t) => t.group)).size).toBe(14);
  });
});

/** The reference key of a task, from taskKey's documented material (the fast path must agree). */
function referenceKey(dag: Dag, id: string, manual: string[] = []): string {
  const t = dag.byId.get(id);
  if (!t) throw new Error(id);
  const inputs: KeyInput[] = t.inputs.map((i) => {
    if (i.kind === 'task') return { id: i.localId, task: dag.byId.get(i.task)?.key as string };
    if (manual.includes(i.inputQid)) return { id: i.localId, output: i.inputQid, path: i.path as string };
    return i.source === undefined ? { id: i.localId, input: i.inputQid } : { id: i.localId, input: i.inputQid, source: i.source };
  });
  return taskKey({ output: t.output, recipe: t.template, container: t.container, decisions: t.decisions, inputs, gpus: t.resources.gpus });
}

describe('task keys', () => {
  it('are exactly taskKey() of the documented material', () => {
    const dag = mustBuild(lineFit());
    for (const t of dag.tasks) expect(t.key).toBe(referenceKey(dag, t.id));
    const withManual = mustBuild(
      buildProject({
        outputs: [
          { qid: 'hand' },
          { qid: 'a', inputs: ['out:hand'], decisions: ['z', 'b'], command: 'x {decisions.b}', container: 'img:1', gpus: 2 },
        ],
        universes: [{ id: 'u', choices: { z: '1', b: '2' } }],
      }),
    );
    expect(withManual.byId.get('u/a')?.key).toBe(referenceKey(withManual, 'u/a', ['hand']));
  });

  const base = (over: Partial<{ command: string; container: string; gpus: number; cpus: number }> = {}) =>
    buildProject({
      outputs: [{ qid: 'a', decisions: ['d'], command: over.command ?? 'run {decisions.d} {output}', ...over }],
      universes: [{ id: 'u1', choices: { d: 'x', other: 'p' } }, { id: 'u2', choices: { d: 'x', other: 'q' } }],
    });
  const keyOf = (p: ReturnType<typeof buildProject>) => mustBuild(p).byId.get('u1/a')?.key;

  it('ignores decisions the output does not list, and substituted paths', () => {
    const dag = mustBuild(base());
    expect(dag.byId.get('u1/a')?.key).toBe(dag.byId.get('u2/a')?.key);
    expect(dag.byId.get('u2/a')?.group).toBe('u1/a');
    expect(dag.byId.get('u1/a')?.command).not.toBe(dag.byId.get('u2/a')?.command);
  });

  it('changes with the template, container and gpus, but not with cpus', () => {
    const k = keyOf(base());
    expect(keyOf(base({ command: 'run  {decisions.d} {output}' }))).not.toBe(k);
    expect(keyOf(base({ container: 'python:3.12-slim' }))).not.toBe(k);
    expect(keyOf(base({ gpus: 1 }))).not.toBe(k);
    expect(keyOf(base({ cpus: 8 }))).toBe(k);
  });

  it('is deterministic across builds', () => {
    expect(keyOf(base())).toBe(keyOf(base()));
  });

  it('changes when an external locator changes', () => {
    const mk = (source: string) =>
      buildProject({
        externals: [{ qid: 'raw', source }],
        outputs: [{ qid: 'a', inputs: ['ext:raw'], command: 'cat {inputs.raw} > {output}/x' }],
        universes: [{ id: 'u' }],
      });
    const k1 = mustBuild(mk('https://example.org/a.csv')).byId.get('u/a')?.key;
    const k2 = mustBuild(mk('https://example.org/b.csv')).byId.get('u/a')?.key;
    expect(k1).not.toBe(k2);
  });
});

describe('activity (when)', () => {
  it('has no task for an output inactive in a universe', () => {
    const dag = mustBuild(
      buildProject({
        outputs: [
          { qid: 'a', command: 'a {output}' },
          { qid: 'b', command: 'b {output}' },
        ],
        universes: [{ id: 'u1' }, { id: 'u2', inactive: ['b'] }],
      }),
    );
    expect(dag.tasks.map((t) => t.id)).toEqual(['u1/a', 'u2/a', 'u1/b']);
  });

  it('reports an active output consuming an inactive one, once, with the universes', () => {
    const p = buildProject({
      outputs: [
        { qid: 'a', command: 'a {output}' },
        { qid: 'b', inputs: ['out:a'], command: 'b {inputs.a} {output}' },
      ],
      universes: [{ id: 'u1', inactive: ['a'] }, { id: 'u2', inactive: ['a'] }, { id: 'u3' }],
    });
    const r = buildDag(p);
    expect(r.dag).toBeUndefined();
    expect(r.diagnostics).toHaveLength(1);
    const d = r.diagnostics[0];
    expect(d?.code).toBe('INACTIVE_INPUT');
    expect(d?.severity).toBe('error');
    expect(d?.file).toBe('/proj/astra.yaml');
    expect(d?.path).toBe('outputs[1].inputs[0]');
    expect(d?.message).toContain("'b'");
    expect(d?.message).toContain('universes u1, u2');
  });

  it('points at the input entry when the loader gives its location', () => {
    const p = buildProject({
      outputs: [
        { qid: 'a', command: 'a {output}' },
        { qid: 'b', inputs: ['out:a'], command: 'b {output}' },
      ],
      universes: [{ id: 'u1', inactive: ['a'] }],
    });
    (p.outputs.get('b') as { decl: { inputRefs?: unknown } }).decl.inputRefs = [{ file: '/proj/astra.yaml', line: 17, col: 15, path: 'outputs[1].inputs[0]' }];
    const d = buildDag(p).diagnostics[0];
    expect([d?.line, d?.col]).toEqual([17, 15]);
  });

  it('reports a placeholder naming a decision that has no value in a universe', () => {
    const p = buildProject({
      outputs: [{ qid: 'a', decisions: ['d'], command: 'a {decisions.d} {output}' }],
      universes: [{ id: 'u1', choices: { d: 'x' } }, { id: 'u2' }],
    });
    const r = buildDag(p);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['DECISION_WITHOUT_VALUE']);
    expect(r.diagnostics[0]?.message).toContain('universe u2');
  });
});

describe('cycles', () => {
  it('reports the cycle path and builds no dag', () => {
    const p = buildProject({
      outputs: [
        { qid: 'start', command: 's {output}' },
        { qid: 'a', inputs: ['out:c', 'out:start'], command: 'a {output}' },
        { qid: 'b', inputs: ['out:a'], command: 'b {output}' },
        { qid: 'c', inputs: ['out:b'], command: 'c {output}' },
      ],
      universes: [{ id: 'u' }],
    });
    const r = buildDag(p);
    expect(r.dag).toBeUndefined();
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]?.code).toBe('OUTPUT_CYCLE');
    expect(r.diagnostics[0]?.message).toContain('a -> b -> c -> a');
    expect(r.diagnostics[0]?.path).toBe('outputs[1]');
  });

  it('reports a self-reference', () => {
    const r = buildDag(buildProject({ outputs: [{ qid: 'a', inputs: ['out:a'], command: 'a' }], universes: [{ id: 'u' }] }));
    expect(r.diagnostics[0]?.message).toContain('a -> a');
  });
});

describe('sub-analyses, re-exports and output directories', () => {
  const p = buildProject({
    root: '/proj',
    nodes: [{ qid: 'stage', pathRootedDir: '/proj/stages/one' }],
    externals: [{ qid: 'stage.raw', source: 'raw.csv', path: '/proj/stages/one/raw.csv' }],
    outputs: [
      { qid: 'prep.clean', command: 'clean {output}' },
      { qid: 'stage.deep.features', inputs: ['ext:stage.raw', 'out:prep.clean'], command: 'feat {inputs} {output}' },
      { qid: 'features', from: 'stage.deep.features' },
      { qid: 'report', inputs: ['out:stage.deep.features=features', 'out:notes'], command: 'rep {inputs.features} {inputs.notes} {output}' },
      { qid: 'notes' },
    ],
    universes: [{ id: 'u' }],
  });
  const dag = mustBuild(p);

  it('puts inline sub outputs under results/<u>/<qid> and path-rooted ones under their own dir', () => {
    expect(dag.byId.get('u/prep.clean')?.outdir).toBe('results/u/prep.clean');
    expect(dag.byId.get('u/stage.deep.features')?.outdir).toBe('stages/one/results/u/deep.features');
    expect(dag.byId.get('u/stage.deep.features')?.command).toBe('feat stages/one/raw.csv results/u/prep.clean stages/one/results/u/deep.features');
  });

  it('has no task for re-exports or recipe-less outputs, and treats the latter as leaves', () => {
    expect(dag.outputs).toEqual(['prep.clean', 'stage.deep.features', 'report']);
    expect(dag.reexports?.get('features')).toBe('stage.deep.features');
    expect([...(dag.withoutRecipe ?? [])]).toEqual(['notes']);
    const r = dag.byId.get('u/report');
    expect(r?.deps).toEqual(['u/stage.deep.features']);
    expect(r?.inputs[1]).toEqual({ kind: 'external', localId: 'notes', inputQid: 'notes', path: 'results/u/notes' });
    expect(r?.command).toBe('rep stages/one/results/u/deep.features results/u/notes results/u/report');
  });

  it('restricts to the universes asked for, and reports unknown ones', () => {
    const two = buildProject({ outputs: [{ qid: 'a', command: 'a' }], universes: [{ id: 'x' }, { id: 'y' }] });
    expect(mustBuild(two, ['y']).tasks.map((t) => t.id)).toEqual(['y/a']);
    const r = buildDag(two, { universes: ['z'] });
    expect(r.diagnostics[0]?.code).toBe('UNKNOWN_UNIVERSE');
    expect(r.diagnostics[0]?.message).toContain('x, y');
  });
});
