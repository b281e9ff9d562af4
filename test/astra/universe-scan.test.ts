/**
 * The one-pass universe scanner must agree with the general path (parser + schema + checks)
 * on every text it accepts, and only accept texts the general path finds clean.
 */
import { describe, expect, it } from 'vitest';
import { checkDocumentText } from '../../engine/astra/index.js';
import { quickUniverse } from '../../engine/astra/universe-quick.js';
import { scanFlatUniverse } from '../../engine/astra/universe-scan.js';
import { parseFast } from '../../engine/astra/yaml-fast.js';

function* texts(): Generator<string> {
  const ids = ['u1', 'u-1', '"u2"', "'u3'", 'U4', '1u', 'u 5', 'u1 # c'];
  const descs = [undefined, 'generated', 'Every point, least squares.', 'a: b', 'x # y', '"quoted: fine"', "'single'", 'yes', '42', 'null', 'trailing ', 'Ünïcode — dash', ''];
  const values = ['s1', 'a.b', 'a-b', 'a/b', '_x', '"dq"', "'sq'", '"a\\"b"', "'it''s'", 'yes', 'No', 'null', '~', '1', '1.5', 'true', 'x y', '[a]', '{a: b}', '"', 'k: v'];
  const keys = ['seed', 'Seed', '"seed"', 'a b', 'x1'];
  for (const id of ids) {
    for (const d of descs) {
      for (const [k, v] of values.entries()) {
        const key = keys[(k + (d?.length ?? 0)) % keys.length] as string;
        let t = `id: ${id}\n`;
        if (d !== undefined) t += `description: ${d}\n`;
        t += `decisions:\n  ${key}: ${v}\n  other: s2\n`;
        yield t;
      }
    }
  }
  yield 'id: u1\n';
  yield 'id: u1\ndecisions:\n';
  yield 'id: u1\ndecisions:\n  a: x\n    b: y\n';
  yield 'id: u1\ndecisions:\n  a: x\n  a: y\n';
  yield 'id: u1\nid: u2\n';
  yield '# header\n\nid: u1\n\ndecisions:\n\n  a: x\n# end\n';
  yield 'id: u1\ndecisions:\n    a: x\n    b: y\n';
  yield 'id: u1\nanalyses:\n  sub:\n    decisions:\n      k: one\n';
  yield 'id: u1\r\ndecisions:\r\n  a: x\r\n';
  yield 'decisions:\n  a: x\nid: u1';
}

describe('flat universe scanner', () => {
  it('agrees with the general path whenever it accepts, and accepts the common shapes', async () => {
    let accepted = 0;
    let total = 0;
    for (const text of texts()) {
      total++;
      const fast = scanFlatUniverse(text);
      if (fast === undefined) continue;
      accepted++;
      const full = await checkDocumentText('universe', text, 'u.yaml');
      expect({ text, diagnostics: full.diagnostics }).toEqual({ text, diagnostics: [] });
      expect({ text, value: fast }).toEqual({ text, value: full.value });
    }
    expect(total).toBeGreaterThan(2000);
    expect(accepted).toBeGreaterThan(50);
  });

  it('takes the files lc generates and the examples use', () => {
    expect(scanFlatUniverse('id: u17\ndescription: generated\ndecisions:\n  seed: s17\n')).toEqual({ id: 'u17', description: 'generated', decisions: { seed: 's17' } });
    expect(scanFlatUniverse('id: baseline\ndescription: Every point, least squares.\ndecisions:\n  outlier_cut: none\n  estimator: ols\n')).toEqual({
      id: 'baseline',
      description: 'Every point, least squares.',
      decisions: { outlier_cut: 'none', estimator: 'ols' },
    });
  });
});

describe('tree-based universe reader (nested universes)', () => {
  function* nested(): Generator<string> {
    const nodes = ['', '    id: sub\n', '    id: other\n', '    universe: fast\n', '    universe: 3\n', '    decisions: {k: one}\n', '    decisions:\n      k: yes\n', '    decisions:\n      k: "one"\n      j: two\n', '    analyses:\n      deep:\n        decisions: {z: a}\n', '    analyses:\n      Deep: {}\n', '    extra: 1\n'];
    let i = 0;
    for (const t of texts()) {
      if (i++ % 4 !== 0) continue; // a sample keeps the suite quick
      for (const n of nodes) yield `${t}analyses:\n  sub:\n${n}`;
      yield `${t}analyses:\n  sub:\n`;
    }
  }

  it('agrees with the general path whenever it accepts', async () => {
    let accepted = 0;
    for (const text of nested()) {
      const tree = parseFast(text);
      const quick = tree ? quickUniverse(tree) : undefined;
      if (!quick) continue;
      accepted++;
      const full = await checkDocumentText('universe', text, 'u.yaml');
      expect({ text, diagnostics: full.diagnostics }).toEqual({ text, diagnostics: [] });
      expect({ text, value: quick }).toEqual({ text, value: full.value });
    }
    expect(accepted).toBeGreaterThan(50);
  });
});
