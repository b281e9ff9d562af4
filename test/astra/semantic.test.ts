/**
 * Semantic rules of an analysis (astra-spec §7, §9.2): one case per code, each asserting the
 * exact file, line, column and YAML path. BASE (helpers.ts) is valid; each case breaks it.
 */
import { describe, expect, it } from 'vitest';
import { BASE, BASE_UNIVERSE, load, where } from './helpers.js';

const U = { 'universes/base.yaml': BASE_UNIVERSE };

/** Load and return [code, file, line, col, path] of every diagnostic of one severity. */
async function found(files: Record<string, string>, severity: 'error' | 'warning' = 'error') {
  const r = await load({ ...U, ...files });
  const out = (severity === "error" ? r.errors : r.warnings).map((d) => {
    const w = where(r.root, d);
    return [w.code, w.file, w.line, w.col, w.path];
  });
  return out;
}

const SUB = `analyses:
  sub:
    inputs:
      - id: data
        from: ../raw
    outputs:
      - id: out
        type: data
        inputs: [data]
        recipe:
          command: sh sub.sh {inputs.data} {output}
`;
// In BASE + SUB: analyses is line 22, sub 23, its inputs 24-26, outputs 27-32.

describe('root and sub-analysis fields', () => {
  it('MISSING_ROOT_FIELD: name is required; a missing inputs key is only a warning', async () => {
    const spec = BASE.replace('name: Demo\n', '').replace(/inputs:\n {2}- id: raw\n {4}type: data\n {4}source: data.csv\n/, '').replace('inputs: [raw]', 'inputs: []').replace(' {inputs.raw}', '');
    expect(await found({ 'astra.yaml': spec })).toEqual([['MISSING_ROOT_FIELD', 'astra.yaml', 1, 1, '']]);
    const w = await found({ 'astra.yaml': spec }, 'warning');
    expect(w).toEqual([['MISSING_ROOT_FIELD', 'astra.yaml', 1, 1, '']]);
  });

  it('MISSING_SUB_FIELD: a sub-analysis without inputs', async () => {
    const spec = BASE + SUB.replace(/ {4}inputs:\n {6}- id: data\n {8}from: \.\.\/raw\n/, '').replace('inputs: [data]', 'inputs: []').replace(' {inputs.data}', '');
    expect(await found({ 'astra.yaml': spec })).toEqual([['MISSING_SUB_FIELD', 'astra.yaml', 23, 3, 'analyses.sub']]);
  });

  it('DUPLICATE_INPUT and DUPLICATE_OUTPUT', async () => {
    const spec = BASE.replace('outputs:\n', '  - id: raw\n    type: data\noutputs:\n  - id: clean\n    type: metric\n');
    expect(await found({ 'astra.yaml': spec })).toEqual([
      ['DUPLICATE_INPUT', 'astra.yaml', 8, 9, 'inputs[1].id'],
      ['DUPLICATE_OUTPUT', 'astra.yaml', 13, 9, 'outputs[1].id'],
    ]);
  });
});

describe('decisions', () => {
  it('INVALID_DEFAULT and EXCLUDED_DEFAULT', async () => {
    expect(await found({ 'astra.yaml': BASE.replace('default: soft', 'default: medium') })).toEqual([['INVALID_DEFAULT', 'astra.yaml', 18, 14, 'decisions.cut.default']]);
    const excluded = BASE.replace('soft: {label: Soft}', 'soft: {label: Soft, excluded: true, excluded_reason: too weak}');
    expect(await found({ 'astra.yaml': excluded, 'universes/base.yaml': 'id: base\ndecisions:\n  cut: hard\n' })).toEqual([
      ['EXCLUDED_DEFAULT', 'astra.yaml', 18, 14, 'decisions.cut.default'],
    ]);
  });

  it('MISSING_EXCLUDED_REASON and ORPHAN_EXCLUDED_REASON', async () => {
    const spec = BASE.replace('hard: {label: Hard}', 'hard: {label: Hard, excluded: true}\n      odd: {label: Odd, excluded_reason: why}');
    expect(await found({ 'astra.yaml': spec })).toEqual([
      ['MISSING_EXCLUDED_REASON', 'astra.yaml', 21, 7, 'decisions.cut.options.hard'],
      ['ORPHAN_EXCLUDED_REASON', 'astra.yaml', 22, 25, 'decisions.cut.options.odd.excluded_reason'],
    ]);
  });

  it('INVALID_WHEN_REF: bad shape, unknown decision, unknown option, self reference', async () => {
    const spec = BASE.replace('    decisions: [cut]\n', '    decisions: [cut]\n    when: [cut, nope.x, cut.medium]\n').replace('    label: Cut\n', '    label: Cut\n    when: [cut.soft]\n');
    expect(await found({ 'astra.yaml': spec })).toEqual([
      ['INVALID_WHEN_REF', 'astra.yaml', 13, 12, 'outputs[0].when[0]'],
      ['INVALID_WHEN_REF', 'astra.yaml', 13, 17, 'outputs[0].when[1]'],
      ['INVALID_WHEN_REF', 'astra.yaml', 13, 25, 'outputs[0].when[2]'],
      ['INVALID_WHEN_REF', 'astra.yaml', 19, 12, 'decisions.cut.when[0]'],
    ]);
  });

  it('WHEN_CYCLE: two decisions that each apply only when the other is chosen', async () => {
    const spec = `${BASE}  a:\n    label: A\n    when: [b.x]\n    options: {x: {label: X}}\n  b:\n    label: B\n    when: [a.x]\n    options: {x: {label: X}}\n`;
    expect(await found({ 'astra.yaml': spec })).toEqual([['WHEN_CYCLE', 'astra.yaml', 24, 5, 'decisions.a.when']]);
  });

  it('INVALID_CONSTRAINT_FORMAT and INVALID_CONSTRAINT_REF', async () => {
    const spec = BASE.replace('hard: {label: Hard}', 'hard: {label: Hard, requires: [cut], incompatible_with: [other.x, cut.medium]}');
    expect(await found({ 'astra.yaml': spec })).toEqual([
      ['INVALID_CONSTRAINT_FORMAT', 'astra.yaml', 21, 38, 'decisions.cut.options.hard.requires[0]'],
      ['INVALID_CONSTRAINT_REF', 'astra.yaml', 21, 64, 'decisions.cut.options.hard.incompatible_with[0]'],
      ['INVALID_CONSTRAINT_REF', 'astra.yaml', 21, 73, 'decisions.cut.options.hard.incompatible_with[1]'],
    ]);
  });

  it('INVALID_INSIGHT_REF and INVALID_ARTIFACT_REF', async () => {
    const spec = `${BASE.replace('soft: {label: Soft}', 'soft: {label: Soft, insights: [prior, nowhere]}')}prior_insights:
  prior:
    claim: It holds.
    created_at: "2025-01-01T00:00:00Z"
    evidence:
      - id: ev
        artifact: not_an_output
`;
    expect(await found({ 'astra.yaml': spec })).toEqual([
      ['INVALID_INSIGHT_REF', 'astra.yaml', 20, 45, 'decisions.cut.options.soft.insights[1]'],
      ['INVALID_ARTIFACT_REF', 'astra.yaml', 28, 19, 'prior_insights.prior.evidence[0].artifact'],
    ]);
  });
});

describe('from: aliases by direction', () => {
  it('INVALID_FROM: unknown ancestor input; an input at the root has no parent; a sub taking its own output', async () => {
    const spec = BASE.replace('    source: data.csv\n', '    source: data.csv\n  - id: up\n    from: ../raw\n') + SUB.replace('from: ../raw', 'from: ../nope').replace('      - id: data\n', '      - id: mine\n        from: ../sub.out\n      - id: data\n');
    expect(await found({ 'astra.yaml': spec })).toEqual([
      ['INVALID_FROM', 'astra.yaml', 9, 11, 'inputs[1].from'],
      ['INVALID_FROM', 'astra.yaml', 28, 15, 'analyses.sub.inputs[0].from'],
      ['INVALID_FROM', 'astra.yaml', 30, 15, 'analyses.sub.inputs[1].from'],
    ]);
  });

  it('INVALID_OUTPUT_FROM: a re-export naming an output that does not exist', async () => {
    const spec = BASE.replace('outputs:\n', 'outputs:\n  - id: again\n    from: sub.nope\n') + SUB;
    expect(await found({ 'astra.yaml': spec })).toEqual([['INVALID_OUTPUT_FROM', 'astra.yaml', 10, 11, 'outputs[0].from']]);
  });

  it('INVALID_DECISION_FROM: unknown ancestor decision, and a root decision with from', async () => {
    const spec = `${BASE}  up:\n    from: ../cut\n${SUB}    decisions:\n      s:\n        from: ../nope\n`;
    expect(await found({ 'astra.yaml': spec })).toEqual([
      ['INVALID_DECISION_FROM', 'astra.yaml', 23, 11, 'decisions.up.from'],
      ['INVALID_DECISION_FROM', 'astra.yaml', 37, 15, 'analyses.sub.decisions.s.from'],
    ]);
  });
});

describe('outputs', () => {
  it('INVALID_OUTPUT_INPUT and INVALID_OUTPUT_DECISION', async () => {
    const spec = BASE.replace('inputs: [raw]', 'inputs: [raw, ghost, ../raw]').replace('decisions: [cut]', 'decisions: [cut, speed]');
    expect(await found({ 'astra.yaml': spec })).toEqual([
      ['INVALID_OUTPUT_INPUT', 'astra.yaml', 11, 19, 'outputs[0].inputs[1]'],
      ['INVALID_OUTPUT_INPUT', 'astra.yaml', 11, 26, 'outputs[0].inputs[2]'],
      ['INVALID_OUTPUT_DECISION', 'astra.yaml', 12, 22, 'outputs[0].decisions[1]'],
    ]);
  });

  it('child.output entries are accepted with a portability warning; input/output name clashes warn', async () => {
    const spec = BASE.replace('inputs: [raw]', 'inputs: [raw, sub.out]') + SUB;
    expect(await found({ 'astra.yaml': spec })).toEqual([]);
    expect(await found({ 'astra.yaml': spec }, 'warning')).toEqual([['CHILD_OUTPUT_INPUT', 'astra.yaml', 11, 19, 'outputs[0].inputs[1]']]);
    const clash = BASE.replace('outputs:\n', 'outputs:\n  - id: raw\n    type: data\n');
    expect(await found({ 'astra.yaml': clash }, 'warning')).toEqual([['AMBIGUOUS_INPUT', 'astra.yaml', 13, 14, 'outputs[1].inputs[0]']]);
  });

  it('OUTPUT_CYCLE: outputs that need each other', async () => {
    const spec = BASE.replace('inputs: [raw]', 'inputs: [raw, fit]').replace('decisions:\n  cut:', '  - id: fit\n    type: metric\n    inputs: [clean]\ndecisions:\n  cut:');
    expect(await found({ 'astra.yaml': spec })).toEqual([['OUTPUT_CYCLE', 'astra.yaml', 17, 5, 'outputs[1].inputs']]);
  });

  it('MISSING_COMMAND, INVALID_COMMAND_TEMPLATE and UNDECLARED_TEMPLATE_REF point at the placeholder', async () => {
    const spec = BASE.replace('command: sh clean.sh {inputs.raw} {decisions.cut} {output}', 'command: sh clean.sh {inputs.rw} {decisions.speed} {outptu} }')
      .replace('decisions:\n  cut:', '  - id: fit\n    type: metric\n    recipe: {container: python:3.12}\ndecisions:\n  cut:');
    expect(await found({ 'astra.yaml': spec })).toEqual([
      ['UNDECLARED_TEMPLATE_REF', 'astra.yaml', 14, 28, 'outputs[0].recipe.command'],
      ['UNDECLARED_TEMPLATE_REF', 'astra.yaml', 14, 40, 'outputs[0].recipe.command'],
      ['INVALID_COMMAND_TEMPLATE', 'astra.yaml', 14, 58, 'outputs[0].recipe.command'],
      ['INVALID_COMMAND_TEMPLATE', 'astra.yaml', 14, 67, 'outputs[0].recipe.command'],
      ['MISSING_COMMAND', 'astra.yaml', 17, 5, 'outputs[1].recipe'],
    ]);
  });

  it('a template error in a quoted or folded command points inside it or at its line', async () => {
    const quoted = BASE.replace('command: sh clean.sh {inputs.raw} {decisions.cut} {output}', 'command: "sh clean.sh {bad}"');
    expect(await found({ 'astra.yaml': quoted })).toEqual([['INVALID_COMMAND_TEMPLATE', 'astra.yaml', 14, 29, 'outputs[0].recipe.command']]);
    const folded = BASE.replace('command: sh clean.sh {inputs.raw} {decisions.cut} {output}', 'command: >-\n        sh clean.sh\n        {bad}');
    expect(await found({ 'astra.yaml': folded })).toEqual([['INVALID_COMMAND_TEMPLATE', 'astra.yaml', 14, 16, 'outputs[0].recipe.command']]);
  });

  it('Lightcone placeholders {output[0]} and {input.x} are accepted with a warning', async () => {
    const spec = BASE.replace('{inputs.raw} {decisions.cut} {output}', '{input.raw} {decisions.cut} {output[0]}');
    expect(await found({ 'astra.yaml': spec })).toEqual([]);
    expect(await found({ 'astra.yaml': spec }, 'warning')).toEqual([
      ['LIGHTCONE_PLACEHOLDER', 'astra.yaml', 14, 28, 'outputs[0].recipe.command'],
      ['LIGHTCONE_PLACEHOLDER', 'astra.yaml', 14, 56, 'outputs[0].recipe.command'],
    ]);
  });
});

describe('path: sub-analyses', () => {
  const STAGE = 'inputs:\n  - id: data\n    from: ../raw\noutputs:\n  - id: out\n    type: data\n    inputs: [data]\n';

  it('PATH_FIELD_CONFLICT, READ_FAILED, PROJECT_PATH_ESCAPE', async () => {
    const spec = `${BASE}analyses:\n  a:\n    path: stages/a\n    name: A\n  b:\n    path: stages/missing\n  c:\n    path: ../elsewhere\n`;
    expect(await found({ 'astra.yaml': spec, 'stages/a/astra.yaml': STAGE })).toEqual([
      ['PATH_FIELD_CONFLICT', 'astra.yaml', 25, 5, 'analyses.a.name'],
      ['READ_FAILED', 'astra.yaml', 27, 11, 'analyses.b.path'],
      ['PROJECT_PATH_ESCAPE', 'astra.yaml', 29, 11, 'analyses.c.path'],
    ]);
  });

  it('ANALYSIS_PATH_CYCLE and MAP_KEY_ID_MISMATCH in a sub file', async () => {
    const spec = `${BASE}analyses:\n  a:\n    path: stages/a\n`;
    const stage = `id: other\n${STAGE}analyses:\n  back:\n    path: ../..\n`;
    expect(await found({ 'astra.yaml': spec, 'stages/a/astra.yaml': stage })).toEqual([
      ['MAP_KEY_ID_MISMATCH', 'stages/a/astra.yaml', 1, 5, 'id'],
      ['ANALYSIS_PATH_CYCLE', 'stages/a/astra.yaml', 11, 11, 'analyses.back.path'],
    ]);
  });
});

describe('all errors at once', () => {
  it('reports every semantic problem of the tree in one run, in file order', async () => {
    const spec = BASE.replace('default: soft', 'default: medium').replace('inputs: [raw]', 'inputs: [raw, ghost]') + SUB.replace('from: ../raw', 'from: ../nope');
    const codes = (await found({ 'astra.yaml': spec })).map((f) => f[0]);
    expect(codes).toEqual(['INVALID_OUTPUT_INPUT', 'INVALID_DEFAULT', 'INVALID_FROM']);
  });
});
