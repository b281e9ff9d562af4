/**
 * Universe rules (astra-spec §10, §9.3): every universe file is checked, each problem with
 * its file, line and column; nothing is filled in from defaults.
 */
import { describe, expect, it } from 'vitest';
import { defaultChoices } from '../../engine/astra/index.js';
import { load, where } from './helpers.js';

/** Root decisions: cut (soft|hard|broken, broken excluded), mode (fast|exact) only when cut.hard. */
const SPEC = `id: demo
version: "0.0.12"
name: Demo
inputs:
  - id: raw
    type: data
outputs:
  - id: clean
    type: data
    inputs: [raw]
    decisions: [cut, mode]
    recipe:
      command: sh clean.sh {decisions.cut} {output}
  - id: refine
    type: data
    inputs: [clean]
    when: [cut.hard]
    decisions: [mode]
    recipe:
      command: sh refine.sh {decisions.mode} {output}
decisions:
  cut:
    label: Cut
    default: soft
    options:
      soft: {label: Soft, incompatible_with: [speed.slow]}
      hard: {label: Hard, requires: [speed.fast]}
      broken: {label: Broken, excluded: true, excluded_reason: loses data}
  mode:
    label: Mode
    when: [cut.hard]
    default: fast
    options:
      fast: {label: Fast}
      exact: {label: Exact}
  speed:
    label: Speed
    options:
      fast: {label: Fast}
      slow: {label: Slow}
analyses:
  sub:
    inputs:
      - id: data
        from: ../raw
    outputs:
      - id: out
        type: data
        inputs: [data]
    decisions:
      c:
        from: ../cut
      k:
        label: K
        default: one
        options:
          one: {label: One}
`;

async function errorsOf(universes: Record<string, string>, spec = SPEC) {
  const files: Record<string, string> = { 'astra.yaml': spec };
  for (const [name, text] of Object.entries(universes)) files[`universes/${name}`] = text;
  const r = await load(files);
  return { r, errors: r.errors.map((d) => where(r.root, d)), warnings: r.warnings.map((d) => where(r.root, d)) };
}

const OK = 'id: ok\ndecisions:\n  cut: soft\n  speed: fast\nanalyses:\n  sub:\n    decisions:\n      k: one\n';

describe('universe choices', () => {
  it('a complete universe is valid; an inactive decision is neither required nor in its choices', async () => {
    const { r, errors } = await errorsOf({ 'ok.yaml': OK });
    expect(errors).toEqual([]);
    const u = r.project!.universes[0]!;
    expect(Object.fromEntries(u.choices)).toEqual({ cut: 'soft', speed: 'fast', 'sub.c': 'soft', 'sub.k': 'one' });
    expect([...u.activeOutputs]).toEqual(['clean', 'sub.out']);
    expect(u.missing).toBeUndefined();
  });

  it('UNKNOWN_DECISION (with a hint when it belongs elsewhere), FROM_DECISION_IN_UNIVERSE, UNKNOWN_ANALYSIS', async () => {
    const u = 'id: bad\ndecisions:\n  cut: soft\n  speed: fast\n  k: one\nanalyses:\n  sub:\n    decisions:\n      k: one\n      c: soft\n  nope: {}\n';
    const { r, errors } = await errorsOf({ 'bad.yaml': u });
    expect(errors).toEqual([
      { code: 'UNKNOWN_DECISION', file: 'universes/bad.yaml', line: 5, col: 3, path: 'decisions.k' },
      { code: 'FROM_DECISION_IN_UNIVERSE', file: 'universes/bad.yaml', line: 10, col: 7, path: 'analyses.sub.decisions.c' },
      { code: 'UNKNOWN_ANALYSIS', file: 'universes/bad.yaml', line: 11, col: 3, path: 'analyses.nope' },
    ]);
    expect(r.errors[0]!.hint).toMatch(/belongs to sub-analysis `sub`/);
  });

  it('UNKNOWN_OPTION and EXCLUDED_OPTION_SELECTED point at the value', async () => {
    const { errors } = await errorsOf({ 'a.yaml': OK.replace('id: ok', 'id: a').replace('cut: soft', 'cut: sotf'), 'b.yaml': OK.replace('id: ok', 'id: b').replace('cut: soft', 'cut: broken') });
    expect(errors).toEqual([
      { code: 'UNKNOWN_OPTION', file: 'universes/a.yaml', line: 3, col: 8, path: 'decisions.cut' },
      { code: 'EXCLUDED_OPTION_SELECTED', file: 'universes/b.yaml', line: 3, col: 8, path: 'decisions.cut' },
    ]);
  });

  it('INACTIVE_DECISION and MISSING_DECISION (no defaults are filled in)', async () => {
    const inactive = OK.replace('id: ok', 'id: a').replace('  speed: fast\n', '  speed: fast\n  mode: exact\n');
    const missing = 'id: b\ndecisions:\n  cut: hard\n  speed: fast\n';
    const { r, errors } = await errorsOf({ 'a.yaml': inactive, 'b.yaml': missing });
    expect(errors).toEqual([
      { code: 'INACTIVE_DECISION', file: 'universes/a.yaml', line: 5, col: 3, path: 'decisions.mode' },
      // sub has no entry at all: the nearest place is the universe's top level
      { code: 'MISSING_DECISION', file: 'universes/b.yaml', line: 1, col: 1, path: 'analyses.sub.decisions' },
      { code: 'MISSING_DECISION', file: 'universes/b.yaml', line: 2, col: 1, path: 'decisions' },
    ]);
    expect(r.errors[1]!.message).toMatch(/decision `sub.k`/);
    expect(r.errors[2]!.message).toMatch(/decision `mode`/);
    const b = r.project!.universes.find((u) => u.id === 'b')!;
    expect(b.missing).toEqual(['mode', 'sub.k']);
    expect(b.choices.has('mode')).toBe(false);
  });

  it('INCOMPATIBLE_OPTIONS and MISSING_REQUIRED_OPTION', async () => {
    const incompatible = OK.replace('id: ok', 'id: a').replace('speed: fast', 'speed: slow');
    const required = OK.replace('id: ok', 'id: b').replace('cut: soft', 'cut: hard').replace('speed: fast', 'speed: slow\n  mode: fast');
    const { errors } = await errorsOf({ 'a.yaml': incompatible, 'b.yaml': required });
    expect(errors).toEqual([
      { code: 'INCOMPATIBLE_OPTIONS', file: 'universes/a.yaml', line: 3, col: 8, path: 'decisions.cut' },
      { code: 'MISSING_REQUIRED_OPTION', file: 'universes/b.yaml', line: 3, col: 8, path: 'decisions.cut' },
    ]);
  });

  it('UNIVERSE_FILENAME_MISMATCH and DUPLICATE_UNIVERSE_ID', async () => {
    const { r, errors } = await errorsOf({ 'ok.yaml': OK, 'ok.yml': OK, 'two.yaml': OK.replace('id: ok', 'id: zwei') });
    expect(errors).toEqual([
      { code: 'DUPLICATE_UNIVERSE_ID', file: 'universes/ok.yml', line: 1, col: 5, path: 'id' },
      { code: 'UNIVERSE_FILENAME_MISMATCH', file: 'universes/two.yaml', line: 1, col: 5, path: 'id' },
    ]);
    expect(r.project!.universes.map((u) => u.id)).toEqual(['ok', 'zwei']);
  });

  it('universe: references only for path-rooted sub-analyses, alone, and to an existing file', async () => {
    const spec = SPEC.replace('analyses:\n  sub:', 'analyses:\n  ext:\n    path: ext\n  sub:');
    const ext = 'inputs:\n  - id: d\n    from: ../raw\noutputs:\n  - id: o\n    type: data\n    inputs: [d]\ndecisions:\n  z:\n    label: Z\n    options: {a: {label: A}}\n';
    const base = 'decisions:\n  cut: soft\n  speed: fast\nanalyses:\n  sub:\n';
    const files: Record<string, string> = {
      'astra.yaml': spec,
      'ext/astra.yaml': ext,
      'ext/universes/za.yaml': 'id: za\ndecisions:\n  z: a\n',
      'universes/a.yaml': `id: a\n${base}    universe: za\n  ext:\n    universe: za\n`,
      'universes/b.yaml': `id: b\n${base}    decisions: {k: one}\n  ext:\n    universe: zz\n`,
      'universes/c.yaml': `id: c\n${base}    decisions: {k: one}\n  ext:\n    universe: za\n    decisions: {z: a}\n`,
    };
    const r = await load(files);
    expect(r.errors.map((d) => where(r.root, d))).toEqual([
      { code: 'UNSUPPORTED_INLINE_UNIVERSE_REFERENCE', file: 'universes/a.yaml', line: 7, col: 15, path: 'analyses.sub.universe' },
      { code: 'UNIVERSE_NOT_FOUND', file: 'universes/b.yaml', line: 9, col: 15, path: 'analyses.ext.universe' },
      { code: 'UNIVERSE_REFERENCE_CONFLICT', file: 'universes/c.yaml', line: 9, col: 15, path: 'analyses.ext.universe' },
    ]);
    expect(r.project!.universes.find((u) => u.id === 'a')!.choices.get('ext.z')).toBe('a');
  });

  it('an active output listing an inactive decision: error when its command needs the value', async () => {
    const spec = SPEC.replace('    inputs: [raw]\n    decisions: [cut, mode]', '    inputs: [raw]\n    decisions: [cut, mode]').replace('{decisions.cut} {output}', '{decisions.cut} {decisions.mode} {output}');
    const { r, errors } = await errorsOf({ 'ok.yaml': OK, 'ok2.yaml': OK.replace('id: ok', 'id: ok2') }, spec);
    expect(errors).toEqual([{ code: 'INACTIVE_OUTPUT_DECISION', file: 'astra.yaml', line: 11, col: 22, path: 'outputs[0].decisions[1]' }]);
    expect(r.errors[0]!.message).toMatch(/\(in universes ok, ok2\)$/);
    const { warnings } = await errorsOf({ 'ok.yaml': OK });
    expect(warnings).toEqual([{ code: 'INACTIVE_OUTPUT_DECISION', file: 'astra.yaml', line: 11, col: 22, path: 'outputs[0].decisions[1]' }]);
  });

  it('no universe files and a decision without default: a warning naming it, nothing to run', async () => {
    const { r, errors, warnings } = await errorsOf({});
    expect(errors).toEqual([]);
    expect(warnings.map((w) => w.code)).toEqual(['NO_UNIVERSES']);
    expect(r.warnings[0]!.message).toMatch(/speed .*has no default, so there is nothing to run/);
    expect(r.project!.universes).toEqual([]);
  });

  it('no universe files: one universe `default` choosing every default, said in a warning', async () => {
    const spec = SPEC.replace('  speed:\n    label: Speed\n', '  speed:\n    label: Speed\n    default: fast\n');
    const { r, errors } = await errorsOf({}, spec);
    expect(errors).toEqual([]);
    const said = r.warnings.find((w) => w.code === 'NO_UNIVERSES');
    expect(said?.message).toMatch(/running one universe `default` with each decision's default \(cut=soft, speed=fast/);
    const [u] = r.project!.universes;
    expect(u?.id).toBe('default');
    expect(u?.choices.get('cut')).toBe('soft');
    expect(u?.activeOutputs.has('clean')).toBe(true);
  });

  it('checks every universe file, reporting all of them', async () => {
    const { errors } = await errorsOf({ 'a.yaml': 'id: a\n', 'b.yaml': 'id: b\ndecisions: {cut: x}\n', 'c.yaml': OK.replace('id: ok', 'id: c') });
    expect(errors.map((e) => `${e.file}:${e.line}:${e.col} ${e.code}`)).toEqual([
      'universes/a.yaml:1:1 MISSING_DECISION',
      'universes/a.yaml:1:1 MISSING_DECISION',
      'universes/a.yaml:1:1 MISSING_DECISION',
      'universes/b.yaml:1:1 MISSING_DECISION',
      'universes/b.yaml:2:1 MISSING_DECISION',
      'universes/b.yaml:2:18 UNKNOWN_OPTION',
    ]);
  });
});

describe('activity through aliases', () => {
  const spec = `id: demo
version: "0.0.12"
name: Demo
inputs:
  - id: raw
    type: data
outputs:
  - id: top
    type: data
    inputs: [raw]
decisions:
  method:
    label: Method
    default: ols
    options: {ols: {label: OLS}, robust: {label: Robust}}
  clip:
    label: Clip
    when: [method.robust]
    options: {soft: {label: Soft}, hard: {label: Hard}}
analyses:
  sub:
    inputs:
      - id: data
        from: ../raw
    outputs:
      - id: clipped
        type: data
        inputs: [data]
        when: [c.hard]
      - id: plain
        type: data
        inputs: [data]
        when: [~c.hard]
      - id: again
        from: deep.z
    decisions:
      c:
        from: ../clip
    analyses:
      deep:
        inputs:
          - id: d
            from: ../data
        outputs:
          - id: z
            type: data
            inputs: [d]
            when: [cc.hard]
        decisions:
          cc:
            from: ../c
`;

  it('an alias of an inactive decision is inactive; when terms follow aliases; re-exports follow their target', async () => {
    const r = await load({
      'astra.yaml': spec,
      'universes/ols.yaml': 'id: ols\ndecisions:\n  method: ols\n',
      'universes/hard.yaml': 'id: hard\ndecisions:\n  method: robust\n  clip: hard\n',
    });
    expect(r.errors).toEqual([]);
    const u = (id: string) => r.project!.universes.find((x) => x.id === id)!;
    expect(Object.fromEntries(u('ols').choices)).toEqual({ method: 'ols' });
    expect([...u('ols').activeOutputs]).toEqual(['top', 'sub.plain']);
    expect(Object.fromEntries(u('hard').choices)).toEqual({ method: 'robust', clip: 'hard', 'sub.c': 'hard', 'sub.deep.cc': 'hard' });
    expect([...u('hard').activeOutputs]).toEqual(['top', 'sub.clipped', 'sub.again', 'sub.deep.z']);
  });

  it('defaultChoices follows conditions under the defaults and lists decisions without a default', async () => {
    const r = await load({ 'astra.yaml': spec, 'universes/ols.yaml': 'id: ols\ndecisions:\n  method: ols\n' });
    const d = defaultChoices(r.project!);
    expect(Object.fromEntries(d.choices)).toEqual({ method: 'ols' });
    expect(d.withoutDefault).toEqual([]);
    const robust = await load({ 'astra.yaml': spec.replace('default: ols', 'default: robust'), 'universes/ols.yaml': 'id: ols\ndecisions:\n  method: ols\n' });
    expect(defaultChoices(robust.project!).withoutDefault).toEqual(['clip']);
  });
});
