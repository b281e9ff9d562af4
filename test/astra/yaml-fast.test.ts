/**
 * The fast YAML parser must agree with the `yaml` package on every text it accepts: same
 * values, scalar styles, raw text and positions. It may refuse (return undefined) anything.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFast } from '../../engine/astra/yaml-fast.js';
import { parseFull } from '../../engine/astra/yaml-full.js';
import { EXAMPLES, FIXTURES } from '../helpers/lc.js';

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...yamlFiles(p));
    else if (/\.ya?ml$/.test(name)) out.push(p);
  }
  return out;
}

/** Accepted texts must match; returns whether the fast parser accepted. */
function agree(text: string): boolean {
  const fast = parseFast(text);
  if (fast === undefined) return false;
  const full = parseFull(text, 'x.yaml');
  expect(full.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  expect(fast).toEqual(full.root);
  return true;
}

const ACCEPTED: string[] = [
  'a: 1\nb: two\n',
  'id: u1\ndescription: generated\ndecisions:\n  seed: s1\n',
  'version: 1.0\nx: 1.\ny: -3\nz: +4\nw: .5\ne: 1e3\nf: 1.5E-2\n',
  'a: true\nb: False\nc: null\nd: ~\ne:\nf: NULL\ng: yes\nh: no\ni: on\n',
  'list:\n  - a\n  - b # comment\n  -  c\n',
  'list:\n- a\n- b\nnext: 1\n',
  'outputs:\n  - id: o1\n    type: data\n    inputs: [a, b]\n  - id: o2\n    when: ["x.y", \'~x.z\']\n',
  'opts: {label: "s0", excluded: true}\nempty: {}\nnone: []\n',
  'nested: {a: [1, 2, {b: c}], d: "e, f"}\n',
  "s: 'it''s'\nd: \"tab\\there \\\"q\\\" \\u00e9 \\x41\"\n",
  'desc: |\n  line one\n  line two\n\n  after blank\nnext: 1\n',
  'desc: |-\n  kept\n  lines\n\nnext: 1\n',
  'desc: |+\n  kept\n\n\nnext: 1\n',
  'desc: >\n  folded line\n  continues\n\n  new para\nnext: 1\n',
  'desc: >-\n  python src/predict.py\n  --method {decisions.method}\n  --out {output}\n',
  'desc: |\n  # not a comment\n  text\n',
  '# leading comment\n\nid: x # trailing\n\n# between\nname: "Q: a"\n',
  'url: http://example.org/a#b\ncmd: echo a:b\n',
  'k: a #c\n',
  '"quoted key": 1\n\'single\': 2\n',
  '1: a\ntrue: b\n~: c\n',
  'deep:\n  a:\n    b:\n      - - x\n        - y\n      - k: v\n        k2: v2\n',
  'seq:\n  -\n    a: 1\n  - \n  - b\n',
  'a: -foo\nb: ?x\nc: :y\n',
  'k:\n  plain on next line\nz: 1\n',
  'win: 1\r\nb: 2\r\n',
  'a:   \nb: # c\nc: 1\n',
  's:\n  - # c\n  -   \n',
  'f: {a: , b: x}\n',
  'big: 123456789012\nneg: -0\nlead: 007\n',
  'emoji: "\\U0001F600"\n',
];

const REFUSED: string[] = [
  'a: &x 1\nb: *x\n',
  'a: !!str 1\n',
  'a: [1,\n  2]\n',
  'a: "multi\n  line"\n',
  'a: plain\n  continued\n',
  '---\na: 1\n',
  'a:\n\tb: 1\n',
  'a: 0x1F\n',
  'a: .inf\n',
  'a: |2\n   x\n',
  'a: b: c\n',
  '- a\n-b\n',
  'a: 1\n  b: 2\n',
  '? complex\n: value\n',
  'a: |\n  x',
  '\ufeffa: 1\n',
  'k: v\n...\n',
];

describe('fast YAML parser', () => {
  it('agrees with yaml on every example and fixture file it accepts, and accepts the plain ones', () => {
    const files = [...yamlFiles(join(FIXTURES, 'astra-examples')), ...yamlFiles(EXAMPLES)];
    expect(files.length).toBeGreaterThan(15);
    let accepted = 0;
    for (const f of files) if (agree(readFileSync(f, 'utf8'))) accepted++;
    // Every shipped file is plain block YAML: the fast path must take them all.
    expect(accepted).toBe(files.length);
  });

  it.each(ACCEPTED.map((t, i) => [i, t]))('accepts and agrees on sample %i', (_i, text) => {
    expect(agree(text)).toBe(true);
  });

  it.each(REFUSED.map((t, i) => [i, t]))('refuses sample %i outside its subset', (_i, text) => {
    expect(parseFast(text)).toBeUndefined();
  });
});

/** Deterministic pseudo-random texts built from the constructs spec files use. */
function randomTexts(count: number): string[] {
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)] as T;
  const values = ['a', 'b c', '1', '1.0', '-2', 'true', 'no', '~', '', '"q"', "'s'", '"a: b"', '[x, y]', '{k: v}', '[]', '{}', 'x # c', 'a:b', '|', '>-', '"\\u00e9"', '-x', '[a, {b: c}]', "'it''s'", 'null'];
  const keys = ['id', 'type', 'k', '"q k"', 'x y', '1', 'on'];
  const texts: string[] = [];
  for (let t = 0; t < count; t++) {
    const lines: string[] = [];
    const n = 1 + rnd(8);
    for (let i = 0; i < n; i++) {
      const ind = ' '.repeat(pick([0, 0, 2, 2, 4, 1, 3]));
      const kind = rnd(6);
      if (kind === 0) lines.push(`${ind}- ${pick(values)}`);
      else if (kind === 1) lines.push(`${ind}- ${pick(keys)}: ${pick(values)}`);
      else if (kind === 2) lines.push(`${ind}${pick(keys)}:`);
      else if (kind === 3) lines.push(pick(['', '# c', `${ind}# c`]));
      else lines.push(`${ind}${pick(keys)}: ${pick(values)}`);
    }
    texts.push(lines.join('\n') + pick(['\n', '', '\n\n']));
  }
  return texts;
}

describe('fast YAML parser on random texts', () => {
  it('never accepts a text that yaml rejects, and agrees whenever it accepts', () => {
    let accepted = 0;
    for (const text of randomTexts(3000)) {
      const fast = parseFast(text);
      if (fast === undefined) continue;
      accepted++;
      const full = parseFull(text, 'x.yaml');
      expect({ text, errors: full.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message) }).toEqual({ text, errors: [] });
      expect({ text, tree: fast }).toEqual({ text, tree: full.root });
    }
    expect(accepted).toBeGreaterThan(300);
  });
});
