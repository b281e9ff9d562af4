import { describe, expect, it } from 'vitest';
import { buildDag, selectTasks, upstreamClosure } from '../../engine/dag/index.js';
import type { Dag } from '../../engine/dag/task.js';
import { buildProject, lineFit } from './model-builder.js';

const build = (p: ReturnType<typeof buildProject>): Dag => {
  const r = buildDag(p);
  if (!r.dag) throw new Error(JSON.stringify(r.diagnostics));
  return r.dag;
};

function ids(r: ReturnType<typeof selectTasks>): string[] {
  if (!r.ok) throw r.error;
  return r.value.map((t) => t.id);
}

function error(r: ReturnType<typeof selectTasks>): { code: string; message: string; hint?: string | undefined } {
  if (r.ok) throw new Error('expected an error');
  return r.error;
}

describe('selectTasks on line-fit', () => {
  const dag = build(lineFit());

  it('selects an output in every universe, or in the -u universes', () => {
    expect(ids(selectTasks(dag, ['fit']))).toEqual(['baseline/fit', 'clipped-ols/fit', 'raw-median/fit', 'robust/fit']);
    expect(ids(selectTasks(dag, ['fit'], ['robust', 'baseline']))).toEqual(['baseline/fit', 'robust/fit']);
  });

  it('selects universe/output, in topological order without duplicates', () => {
    expect(ids(selectTasks(dag, ['robust/summary', 'cleaned', 'robust/cleaned'], ['robust']))).toEqual(['robust/cleaned', 'robust/summary']);
  });

  it('selects everything without targets', () => {
    expect(ids(selectTasks(dag, []))).toHaveLength(16);
    expect(ids(selectTasks(dag, [], ['baseline']))).toEqual(['baseline/cleaned', 'baseline/fit', 'baseline/residuals', 'baseline/summary']);
  });

  it('names close candidates for an unknown output', () => {
    const e = error(selectTasks(dag, ['fitt']));
    expect(e.code).toBe('UNKNOWN_TARGET');
    expect(e.message).toContain('did you mean: fit');
  });

  it('lists the universes for an unknown universe', () => {
    const e = error(selectTasks(dag, ['fit'], ['robustt']));
    expect(e.code).toBe('UNKNOWN_UNIVERSE');
    expect(e.message).toContain('did you mean: robust');
    expect(e.hint).toContain('baseline, clipped-ols, raw-median, robust');
    expect(error(selectTasks(dag, ['nowhere/fit'])).code).toBe('UNKNOWN_UNIVERSE');
  });

  it('computes the upstream closure', () => {
    expect([...upstreamClosure(dag, ['robust/residuals'])].sort()).toEqual(['robust/cleaned', 'robust/fit', 'robust/residuals']);
  });
});

describe('selectTasks with sub-analyses', () => {
  const dag = build(
    buildProject({
      outputs: [
        { qid: 'top', command: 't' },
        { qid: 'a.model', command: 'm' },
        { qid: 'b.model', command: 'm' },
        { qid: 'a.plot', command: 'p' },
        { qid: 'shown', from: 'a.plot' },
        { qid: 'manual' },
        { qid: 'gated', command: 'g' },
      ],
      universes: [{ id: 'u1' }, { id: 'u2', inactive: ['gated'] }],
    }),
  );

  it('resolves a unique bare name into its sub-analysis', () => {
    expect(ids(selectTasks(dag, ['plot']))).toEqual(['u1/a.plot', 'u2/a.plot']);
    expect(ids(selectTasks(dag, ['u2/a.plot']))).toEqual(['u2/a.plot']);
  });

  it('refuses an ambiguous bare name, listing the candidates', () => {
    const e = error(selectTasks(dag, ['model']));
    expect(e.code).toBe('AMBIGUOUS_TARGET');
    expect(e.message).toContain('a.model, b.model');
    expect(ids(selectTasks(dag, ['b.model']))).toEqual(['u1/b.model', 'u2/b.model']);
  });

  it('follows re-exports and explains outputs without tasks', () => {
    expect(ids(selectTasks(dag, ['u1/shown']))).toEqual(['u1/a.plot']);
    expect(error(selectTasks(dag, ['manual'])).code).toBe('NO_RECIPE');
    expect(error(selectTasks(dag, ['u2/gated'])).code).toBe('NO_TASK');
    expect(error(selectTasks(dag, ['gated'], ['u2'])).code).toBe('NO_TASK');
  });
});
