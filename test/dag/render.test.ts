import { describe, expect, it } from 'vitest';
import { buildDag, canonicalJson, outputDir, renderCommand } from '../../engine/dag/index.js';
import { parseTemplate } from '../../engine/astra/template.js';
import { buildProject } from './model-builder.js';

const values = {
  outdir: 'results/u 1/out',
  inputPaths: ['data/my file.csv', 'results/u/a'],
  inputIndex: new Map([
    ['raw', 0],
    ['a', 1],
  ]),
  decisions: { method: "it's", seed: 'seed_42' },
};

describe('renderCommand', () => {
  const render = (cmd: string) => renderCommand(parseTemplate(cmd).parts, values);

  it('fills every placeholder and quotes values that need it', () => {
    expect(render('run {inputs.raw} --seed {decisions.seed} -o {output}')).toBe("run 'data/my file.csv' --seed seed_42 -o 'results/u 1/out'");
    expect(render('m={decisions.method}')).toBe(`m='it'\\''s'`);
    expect(render('cat {inputs}')).toBe("cat 'data/my file.csv' results/u/a");
  });

  it('accepts the Lightcone/Snakemake spellings', () => {
    expect(render('x {input.a} {output[0]}')).toBe("x results/u/a 'results/u 1/out'");
  });

  it('keeps {{ }} as literal braces, unquoted (they are the author shell code)', () => {
    expect(render("awk '{{print $1}}' {inputs.a} > {output}/x")).toBe("awk '{print $1}' results/u/a > 'results/u 1/out'/x");
  });

  it('reports placeholders it cannot fill instead of dropping them', () => {
    const problems: { kind: string; id: string }[] = [];
    const out = renderCommand(parseTemplate('x {inputs.nope} {decisions.none}').parts, values, problems as never);
    expect(out).toBe('x {inputs.nope} {decisions.none}');
    expect(problems.map((p) => `${p.kind}:${p.id}`)).toEqual(['undeclared-input:nope', 'no-decision-value:none']);
  });
});

describe('external inputs in commands', () => {
  it('renders a project file by path and anything else verbatim, quoted when needed', () => {
    const p = buildProject({
      root: '/proj',
      externals: [
        { qid: 'local', source: './data/../data/x.csv', path: '/proj/data/x.csv' },
        { qid: 'remote', source: 'https://example.org/a b.csv' },
        { qid: 'outside', source: '/elsewhere/y.csv', path: '/elsewhere/y.csv' },
      ],
      outputs: [{ qid: 'o', inputs: ['ext:local', 'ext:remote', 'ext:outside'], command: 'go {inputs}' }],
      universes: [{ id: 'u' }],
    });
    const t = buildDag(p).dag?.byId.get('u/o');
    expect(t?.command).toBe("go data/x.csv 'https://example.org/a b.csv' /elsewhere/y.csv");
    expect(t?.inputs.map((i) => (i.kind === 'external' ? i.path : i.task))).toEqual(['data/x.csv', undefined, undefined]);
  });

  it('reports undeclared placeholder ids as errors', () => {
    const p = buildProject({ outputs: [{ qid: 'o', command: 'go {inputs.x} {decisions.y}' }], universes: [{ id: 'u' }] });
    const r = buildDag(p);
    expect(r.dag).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toEqual(['UNDECLARED_TEMPLATE_REF', 'UNDECLARED_TEMPLATE_REF']);
  });
});

describe('outputDir', () => {
  const p = buildProject({
    nodes: [{ qid: 'ext', pathRootedDir: '/proj/ext' }],
    outputs: [{ qid: 'a', command: 'a' }, { qid: 'ext.inner.b', command: 'b' }, { qid: 'b', from: 'ext.inner.b' }],
    universes: [{ id: 'u' }],
  });
  it('is the one canonical place for result paths', () => {
    expect(outputDir(p, 'a', 'u-1')).toBe('results/u-1/a');
    expect(outputDir(p, 'ext.inner.b', 'u')).toBe('ext/results/u/inner.b');
    expect(outputDir(p, 'b', 'u')).toBe('ext/results/u/inner.b');
    expect(() => outputDir(p, 'zzz', 'u')).toThrow(/no output 'zzz'/);
  });
});

describe('canonicalJson', () => {
  it('sorts keys recursively and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: undefined, x: 'é' }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"x":"é","z":1}]},"b":1}');
  });
});
