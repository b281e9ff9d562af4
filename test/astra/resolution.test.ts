/**
 * Resolution on a project with every kind of reference (test/fixtures/spec/nested): universe
 * choices through aliases and a path-rooted sub-analysis's named universe, activity through
 * `when`, input bindings through alias chains and re-exports, resources from both spellings.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadProject, type LoadResult } from '../../engine/astra/index.js';
import type { Project } from '../../engine/astra/model.js';
import { REPO } from '../helpers/lc.js';
import { scratch } from './helpers.js';

let root: string;
let loaded: LoadResult;
let project: Project;

beforeAll(async () => {
  root = join(scratch(), 'nested');
  cpSync(join(REPO, 'test', 'fixtures', 'spec', 'nested'), root, { recursive: true });
  loaded = await loadProject(root);
  project = loaded.project as Project;
});

const universe = (id: string) => project.universes.find((u) => u.id === id)!;

describe('the nested fixture', () => {
  it('loads without errors, with the Lightcone resource names warned about', () => {
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(loaded.diagnostics.map((d) => d.code)).toEqual(['LIGHTCONE_RESOURCE', 'LIGHTCONE_RESOURCE', 'LIGHTCONE_RESOURCE']);
    expect([...project.nodes.keys()]).toEqual(['', 'prep', 'model', 'model.deep']);
    expect(project.universes.map((u) => u.id)).toEqual(['u-ols', 'u-robust']);
  });

  it('places results of the path-rooted sub-analysis under its own directory', () => {
    const model = project.nodes.get('model')!;
    expect(model.pathRooted).toBe(true);
    expect(model.resultsBase).toBe(join(root, 'stages', 'model'));
    expect(model.namespaceQid).toBe('model');
    expect(model.file).toBe(join(root, 'stages', 'model', 'astra.yaml'));
    const deep = project.nodes.get('model.deep')!;
    expect([deep.pathRooted, deep.resultsBase, deep.namespaceQid]).toEqual([false, join(root, 'stages', 'model'), 'model']);
    const prep = project.nodes.get('prep')!;
    expect([prep.pathRooted, prep.resultsBase, prep.namespaceQid]).toEqual([false, root, '']);
  });

  it('fills choices by qualified id; aliases carry the ancestor value; inactive decisions are absent', () => {
    expect(Object.fromEntries(universe('u-ols').choices)).toEqual({ seed: 's1', method: 'ols', 'prep.s': 's1', 'model.m': 'ols', 'model.k': 'k2' });
    expect(Object.fromEntries(universe('u-robust').choices)).toEqual({ seed: 's2', method: 'robust', clip: 'hard', 'prep.s': 's2', 'model.m': 'robust', 'model.k': 'k3' });
  });

  it('takes a path-rooted sub-analysis\'s choices from the universe it names', () => {
    expect(universe('u-robust').namespaceUniverse).toEqual(new Map([['model', 'k3']]));
    expect(universe('u-ols').namespaceUniverse).toBeUndefined();
  });

  it('decides output activity from when (re-exports follow their target)', () => {
    expect([...universe('u-ols').activeOutputs]).toEqual(['report', 'score', 'prep.clean', 'model.fit', 'model.score', 'model.deep.y']);
    expect(universe('u-robust').activeOutputs.has('plot')).toBe(true);
  });

  it('resolves producers and input bindings through re-exports and alias chains', () => {
    const out = (q: string) => project.outputs.get(q)!;
    expect(out('score').producer).toBe('model.score');
    expect(out('score').type).toBe('metric');
    expect(out('report').inputs).toEqual([
      { kind: 'output', localId: 'score', producer: 'model.score' },
      { kind: 'external', localId: 'raw', inputQid: 'raw', type: 'data', source: 'data/raw.csv', path: join(root, 'data', 'raw.csv') },
    ]);
    expect(out('prep.clean').inputs).toEqual([{ kind: 'external', localId: 'data', inputQid: 'raw', type: 'data', source: 'data/raw.csv', path: join(root, 'data', 'raw.csv') }]);
    expect(out('model.fit').inputs).toEqual([{ kind: 'output', localId: 'cleaned', producer: 'prep.clean' }]);
    expect(out('model.deep.y').inputs).toEqual([{ kind: 'output', localId: 'x', producer: 'prep.clean' }]);
    expect([...project.outputs.keys()]).toEqual(['report', 'score', 'plot', 'prep.clean', 'model.fit', 'model.score', 'model.deep.y']);
  });

  it('gives no path to an external input that is a URI', async () => {
    const spec = (await import('node:fs')).readFileSync(join(root, 'astra.yaml'), 'utf8').replace('inputs: [score, raw]', 'inputs: [score, raw, catalog]');
    (await import('node:fs')).writeFileSync(join(root, 'astra.yaml'), spec);
    const again = (await loadProject(root)).project!;
    expect(again.outputs.get('report')!.inputs[2]).toEqual({ kind: 'external', localId: 'catalog', inputQid: 'catalog', type: 'data', source: 's3://bucket/catalog.fits' });
  });

  it('normalises resources from both spellings to bytes and seconds; the node container applies', () => {
    expect(project.outputs.get('plot')!.decl.recipe!.resources).toEqual({ cpus: 2, gpus: 1, memoryBytes: 4 * 2 ** 30, timeLimitS: 5400, diskBytes: 10e9 });
    expect(project.outputs.get('prep.clean')!.decl.recipe!.resources).toEqual({ cpus: 4, gpus: 0, memoryBytes: 2e9 });
    expect(project.outputs.get('report')!.decl.recipe!.resources).toEqual({ cpus: 1, gpus: 0 });
    expect(project.outputs.get('model.fit')!.decl.recipe!.container).toBe('python:3.12-slim');
  });

  it('records where each output, input entry and command is written', () => {
    const plot = project.outputs.get('plot')!.decl;
    expect([plot.ref.line, plot.ref.col, plot.ref.path]).toEqual([20, 5, 'outputs[2]']);
    expect(plot.inputRefs!.map((r) => [r.line, r.col])).toEqual([[22, 14]]);
    expect([plot.recipe!.commandRef!.line, plot.recipe!.commandRef!.col]).toEqual([26, 16]);
    const fit = project.outputs.get('model.fit')!.decl;
    expect([fit.ref.file, fit.ref.line, fit.ref.path]).toEqual([join(root, 'stages', 'model', 'astra.yaml'), 6, 'outputs[0]']);
  });
});
