/**
 * `lc results` on a real run: a metric whose value depends on two decisions (one through its
 * upstream output), values known in advance; its table, summary, JSON (against the shipped
 * schema) and CSV; a missing universe, a stale one and an unreadable value are marked, never
 * shown as current.
 */
import ajv2020 from 'ajv/dist/2020.js';
import { DOMParser } from '@xmldom/xmldom';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REPO, builtExample, lc, tempDir, writeProject } from '../helpers/lc.js';

let dir: string;
let cleanup: () => void;
let root: string;
let env: Record<string, string>;

// base = a (1 or 2); score = base + b (0 or 10): four universes with known values
const SPEC = `id: res
version: "0.0.12"
name: Results
inputs: []
decisions:
  a:
    label: A
    options: {one: {label: One}, two: {label: Two}}
  b:
    label: B
    options: {zero: {label: Zero}, ten: {label: Ten}, bad: {label: Bad}}
outputs:
  - id: base
    type: data
    decisions: [a]
    recipe:
      command: "case {decisions.a} in one) echo 1;; two) echo 2;; esac > {output}/base.txt"
  - id: score
    type: metric
    inputs: [base]
    decisions: [b]
    recipe:
      command: "case {decisions.b} in zero) add=0;; ten) add=10;; bad) add=x;; esac; if [ $add = x ]; then echo nested > {output}/a.txt; echo two > {output}/b.txt; else echo '{{\\"value\\": '$(( $(cat {inputs.base}/base.txt) + add ))'}}' > {output}/score.json; fi"
`;

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('lc-results-'));
  const u = (id: string, a: string, b: string) => [
    `universes/${id}.yaml`,
    `id: ${id}\ndecisions: {a: ${a}, b: ${b}}\n`,
  ];
  root = writeProject(join(dir, 'p'), {
    'astra.yaml': SPEC,
    ...Object.fromEntries([
      u('u1', 'one', 'zero'),
      u('u2', 'two', 'zero'),
      u('u3', 'one', 'ten'),
      u('u4', 'two', 'ten'),
      u('u5', 'one', 'bad'),
      u('u6', 'two', 'ten'),
    ]),
  });
  env = { LIGHTCONE_SCRATCH: join(dir, 'scratch') };
  const run = await lc(['run', '--plain', '-u', 'u1', '-u', 'u2', '-u', 'u3', '-u', 'u4', '-u', 'u5'], {
    cwd: root,
    env,
  });
  expect(run.exitCode, run.stdout + run.stderr).toBe(0);
  // u4's base changes after the run: its score is stale (value from the old base)
  writeFileSync(join(root, 'universes/u4.yaml'), 'id: u4\ndecisions: {a: one, b: ten}\n');
});
afterAll(() => cleanup());

interface Doc {
  schema: number;
  outputs: {
    output: string;
    decisions: string[];
    rows: {
      universe: string;
      state: string;
      choices: Record<string, string>;
      values: Record<string, number> | null;
      problem: { file: string; reason: string } | null;
    }[];
    summary: {
      metric: string;
      n: number;
      min: number;
      max: number;
      median: number;
      by_decision: { decision: string; spread: number }[];
    }[];
  }[];
}

describe('lc results', () => {
  test('rows with the choices a value depends on, its state, and a summary of the ok ones', async () => {
    const r = await lc(['results', '--json'], { cwd: root, env });
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    const check = new ajv2020.default({ strict: false }).compile(
      JSON.parse(readFileSync(join(REPO, 'schemas/lc-results.schema.json'), 'utf8')) as object,
    );
    expect(check(doc), JSON.stringify(check.errors)).toBe(true);
    const t = doc.outputs[0];
    expect(t?.output).toBe('score');
    expect(t?.decisions).toEqual(['a', 'b']);
    const row = (u: string) => t?.rows.find((x) => x.universe === u);
    expect(row('u1')).toMatchObject({ state: 'ok', choices: { a: 'one', b: 'zero' }, values: { value: 1 } });
    expect(row('u2')).toMatchObject({ state: 'ok', values: { value: 2 } });
    expect(row('u3')).toMatchObject({ state: 'ok', values: { value: 11 } });
    expect(row('u4')).toMatchObject({ state: 'stale', choices: { a: 'one', b: 'ten' }, values: { value: 12 } });
    expect(row('u5')?.values).toBeNull();
    expect(row('u5')?.problem).toEqual({
      file: 'results/u5/score',
      reason: '2 files and none is metrics.json or value.json: lc cannot tell which holds the value',
    });
    expect(row('u6')).toMatchObject({ state: 'missing', values: null });
    // ok rows only: u1 1, u2 2, u3 11 (u5 has no value)
    expect(t?.summary).toEqual([
      {
        metric: 'value',
        n: 3,
        min: 1,
        max: 11,
        median: 2,
        by_decision: [
          {
            decision: 'b',
            spread: 9.5,
            options: [
              { option: 'zero', median: 1.5, n: 2 },
              { option: 'ten', median: 11, n: 1 },
            ],
          },
          {
            decision: 'a',
            spread: 4,
            options: [
              { option: 'two', median: 2, n: 1 },
              { option: 'one', median: 6, n: 2 },
            ],
          },
        ],
      },
    ]);
  });

  test('the text table marks what is not current; CSV for notebooks', async () => {
    const text = (await lc(['results'], { cwd: root, env })).stdout;
    expect(text).toMatch(/^score · metric · 6 universes · depends on a, b\n/);
    expect(text).toMatch(/u4 +one +ten +│ +12 +stale/);
    expect(text).toContain('u5: results/u5/score: 2 files and none is metrics.json or value.json');
    expect(text).toContain('2 of 6 not ok: their values (dimmed) are not current, and the summary leaves them out');
    expect(text).toContain(
      'value: 3 ok universes, 1 to 11, median 2; moved most by b 9.5 (zero 1.5, ten 11); then a 4 (two 2, one 6)',
    );
    const csv = (await lc(['results', 'score', '--csv'], { cwd: root, env })).stdout.trim().split('\n');
    expect(csv[0]).toBe('output,universe,state,a,b,value,problem');
    expect(csv).toContain('score,u3,ok,one,ten,11,');
    expect(csv).toContain('score,u6,missing,two,ten,,: not made yet');
  });

  test('an output that is not a metric, or none at all, is said', async () => {
    const notMetric = await lc(['results', 'base'], { cwd: root, env });
    expect(notMetric.exitCode).toBe(2);
    expect(notMetric.stderr).toMatch(/base is of type data, not metric: it has no value to compare/);
    const typo = await lc(['results', 'scor'], { cwd: root, env });
    expect(typo.exitCode).toBe(1);
    expect(typo.stderr).toMatch(/no output 'scor' with tasks \(did you mean score\?\)/);
  });

  test('--plot draws the specification curve: a point per value over a dot per choice, as SVG or an HTML page', async () => {
    const r = await lc(['results', 'score', '--plot', join(dir, 'curve.svg')], { cwd: root, env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^wrote .*curve\.svg: score's value across 6 universes/);
    const svg = new DOMParser().parseFromString(
      readFileSync(join(dir, 'curve.svg'), 'utf8'),
      'image/svg+xml',
    ).documentElement;
    expect(svg?.nodeName).toBe('svg');
    const marks = Array.from(svg?.getElementsByTagName('g') ?? []).filter((g) =>
      /\bmark-symbol\b.*\brole-mark\b/.test(g.getAttribute('class') ?? ''),
    );
    // the curve: u1, u2, u3 and u4 (stale) have a value; the matrix: each of them x 2 decisions
    expect(marks.map((g) => g.getElementsByTagName('path').length)).toEqual([4, 8]);
    const text = Array.from(svg?.getElementsByTagName('text') ?? []).map((t) => t.textContent);
    expect(text).toContain('score: value across 4 universes');
    expect(text).toEqual(expect.arrayContaining(['a: one', 'a: two', 'b: zero', 'b: ten']));
    const html = await lc(['results', 'score', '--plot', join(dir, 'curve.html')], { cwd: root, env });
    expect(html.exitCode).toBe(0);
    expect(readFileSync(join(dir, 'curve.html'), 'utf8')).toMatch(
      /^<!doctype html>[\s\S]*<svg [\s\S]*<\/svg>[\s\S]*<\/html>\n$/,
    );
    const png = await lc(['results', 'score', '--plot', join(dir, 'curve.png')], { cwd: root, env });
    expect(png.exitCode, png.stderr).toBe(0);
    const bytes = readFileSync(join(dir, 'curve.png'));
    // a PNG: its signature, then the IHDR chunk with its size (twice the SVG's)
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(bytes.readUInt32BE(16)).toBe(2 * Number(svg?.getAttribute('width')));
    const gif = await lc(['results', 'score', '--plot', join(dir, 'curve.gif')], { cwd: root, env });
    expect(gif.exitCode).toBe(2);
    expect(gif.stderr).toMatch(/name an \.svg, \.png or \.html file/);
  });

  test('the bundled example: fit’s values in its four universes, and the decision that moves the slope most', async () => {
    const ex = await builtExample('line-fit', join(dir, 'example'));
    const doc = JSON.parse((await lc(['results', 'fit', '--json'], { cwd: ex.root, env: ex.env })).stdout) as Doc;
    const t = doc.outputs[0];
    expect(t?.decisions).toEqual(['estimator', 'outlier_cut']);
    expect(
      Object.fromEntries((t?.rows ?? []).map((r) => [r.universe, [r.state, r.values?.slope, r.values?.intercept]])),
    ).toEqual({
      baseline: ['ok', -0.0973, 12.1682],
      'clipped-ols': ['ok', 2.0047, 1.0338],
      'raw-median': ['ok', 2, 1.6818],
      robust: ['ok', 2, 1.0556],
    });
    const slope = t?.summary.find((m) => m.metric === 'slope');
    expect(slope?.by_decision.map((d) => d.decision)).toEqual(['outlier_cut', 'estimator']);
  });
});
