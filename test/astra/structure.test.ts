/**
 * Structural errors: YAML syntax, non-text scalars, unknown fields, alias purity, ids. Each
 * with its exact position, and several in one file are all reported.
 */
import { describe, expect, it } from 'vitest';
import { BASE, BASE_UNIVERSE, load, where } from './helpers.js';

const U = { 'universes/base.yaml': BASE_UNIVERSE };

describe('YAML reading', () => {
  it('reports a syntax error with its line and column', async () => {
    const r = await load({ 'astra.yaml': 'id: demo\nname: [unclosed\nversion: "1.0"\n', ...U });
    expect(r.project).toBeUndefined();
    expect(r.errors.length).toBeGreaterThan(0);
    const e = r.errors[0]!;
    expect(e.code).toBe('INVALID_YAML');
    expect(e.file).toBe(`${r.root}/astra.yaml`);
    expect(e.line).toBeGreaterThanOrEqual(2);
    expect(e.message).toMatch(/YAML syntax error/);
  });

  it('refuses a top level that is not a mapping, and an empty file', async () => {
    const a = await load({ 'astra.yaml': '- a\n- b\n', ...U });
    expect(a.errors.map((d) => where(a.root, d))).toEqual([
      { code: 'INVALID_YAML', file: 'astra.yaml', line: 1, col: 1, path: '' },
    ]);
    const b = await load({ 'astra.yaml': '# nothing here\n', ...U });
    expect(b.errors.map((d) => [d.code, d.line])).toEqual([['INVALID_YAML', 1]]);
  });

  it('reports duplicate keys (YAML would keep only one)', async () => {
    const r = await load({ 'astra.yaml': BASE.replace('name: Demo\n', 'name: Demo\nname: Again\n'), ...U });
    expect(r.errors.map((d) => where(r.root, d))).toEqual([
      { code: 'DUPLICATE_KEY', file: 'astra.yaml', line: 4, col: 1, path: 'name' },
    ]);
    expect(r.errors[0]!.message).toMatch(/first on line 3/);
  });

  it('reads files outside the fast subset (anchors) with the same positions', async () => {
    const spec = BASE.replace('  cut:\n    label: Cut', '  cut:\n    label: &lab Cut').replace(
      'hard: {label: Hard}',
      'hard: {label: *lab}',
    );
    const r = await load({ 'astra.yaml': spec.replace('version: "0.0.12"', 'version: 0.1'), ...U });
    expect(r.errors.map((d) => where(r.root, d))).toEqual([
      { code: 'NON_STRING_VALUE', file: 'astra.yaml', line: 2, col: 10, path: 'version' },
    ]);
  });
});

describe('values that YAML does not read as text', () => {
  it('version: 1.0 is a number: error with a hint to quote', async () => {
    const r = await load({ 'astra.yaml': BASE.replace('version: "0.0.12"', 'version: 1.0'), ...U });
    expect(r.errors.map((d) => ({ ...where(r.root, d), hint: d.hint }))).toEqual([
      {
        code: 'NON_STRING_VALUE',
        file: 'astra.yaml',
        line: 2,
        col: 10,
        path: 'version',
        hint: 'quote it: version: "1.0"',
      },
    ]);
  });

  it('a numeric label is an error; an unquoted yes is a warning (PyYAML reads it as true)', async () => {
    const spec = BASE.replace('soft: {label: Soft}', 'soft: {label: 42}').replace(
      'hard: {label: Hard}',
      'hard: {label: yes}',
    );
    const r = await load({ 'astra.yaml': spec, ...U });
    expect(r.errors.map((d) => ({ ...where(r.root, d), hint: d.hint }))).toEqual([
      {
        code: 'NON_STRING_VALUE',
        file: 'astra.yaml',
        line: 20,
        col: 21,
        path: 'decisions.cut.options.soft.label',
        hint: 'quote it: label: "42"',
      },
    ]);
    expect(r.warnings.map((d) => ({ ...where(r.root, d), hint: d.hint }))).toEqual([
      {
        code: 'YAML11_BOOLEAN',
        file: 'astra.yaml',
        line: 21,
        col: 21,
        path: 'decisions.cut.options.hard.label',
        hint: 'quote it: "yes"',
      },
    ]);
  });

  it('option ids: `true:` is a boolean key (error), `on:` a YAML 1.1 boolean (warning)', async () => {
    const spec = BASE.replace('soft: {label: Soft}', 'true: {label: Soft}')
      .replace('hard: {label: Hard}', 'on: {label: Hard}')
      .replace('default: soft', 'default: "on"');
    const r = await load({ 'astra.yaml': spec, ...U });
    expect(r.errors.map((d) => where(r.root, d))).toEqual([
      { code: 'NON_STRING_KEY', file: 'astra.yaml', line: 20, col: 7, path: 'decisions.cut.options.true' },
    ]);
    expect(r.errors[0]!.hint).toBe('quote it: "true":');
    expect(r.warnings.map((d) => where(r.root, d))).toEqual([
      { code: 'YAML11_BOOLEAN', file: 'astra.yaml', line: 21, col: 7, path: 'decisions.cut.options.on' },
    ]);
  });

  it('universe choices that are numbers or booleans are errors with the file and line', async () => {
    const r = await load({
      'astra.yaml': BASE,
      'universes/base.yaml': 'id: base\ndecisions:\n  cut: 42\n',
      'universes/other.yaml': 'id: other\ndecisions:\n  cut: true\n',
    });
    expect(r.errors.map((d) => ({ ...where(r.root, d), hint: d.hint }))).toEqual([
      {
        code: 'NON_STRING_VALUE',
        file: 'universes/base.yaml',
        line: 3,
        col: 8,
        path: 'decisions.cut',
        hint: 'quote it: cut: "42"',
      },
      {
        code: 'NON_STRING_VALUE',
        file: 'universes/other.yaml',
        line: 3,
        col: 8,
        path: 'decisions.cut',
        hint: 'quote it: cut: "true"',
      },
    ]);
  });
});

describe('closed objects and required fields', () => {
  it('names an unknown field and suggests the near miss', async () => {
    const r = await load({
      'astra.yaml': BASE.replace(
        '    type: data\n    inputs: [raw]',
        '    type: data\n    lable: Clean\n    inputs: [raw]',
      ),
      ...U,
    });
    expect(r.errors.map((d) => ({ ...where(r.root, d), hint: d.hint, message: d.message }))).toEqual([
      {
        code: 'UNKNOWN_FIELD',
        file: 'astra.yaml',
        line: 11,
        col: 5,
        path: 'outputs[0].lable',
        hint: 'did you mean `label`?',
        message: 'output `clean`: unknown field `lable`',
      },
    ]);
  });

  it('container: a string or the object form {build, context, args}; a bad object names its field', async () => {
    const errorsOf = async (c: string) => {
      const r = await load({
        'astra.yaml': BASE.replace('      command: sh clean.sh', `      container: ${c}\n      command: sh clean.sh`),
        ...U,
      });
      return { r, errors: r.errors.map((d) => ({ ...where(r.root, d), message: d.message })) };
    };
    const ok = await errorsOf('{build: env/Containerfile, context: ., args: {PY: "3.12", N: 2}}');
    expect(ok.errors).toEqual([]);
    expect(ok.r.project?.tree.outputs[0]?.recipe?.container).toBe(
      '{"args":{"N":"2","PY":"3.12"},"build":"env/Containerfile","context":"."}',
    );
    const at = { file: 'astra.yaml', line: 14 };
    expect((await errorsOf('{build: env/Containerfile, contxt: .}')).errors).toEqual([
      {
        ...at,
        code: 'UNKNOWN_FIELD',
        col: 45,
        path: 'outputs[0].recipe.container.contxt',
        message: 'recipe of output `clean`: unknown field `contxt`',
      },
    ]);
    expect((await errorsOf('{context: .}')).errors).toEqual([
      {
        ...at,
        code: 'SCHEMA_REQUIRED',
        col: 7,
        path: 'outputs[0].recipe.container',
        message: 'recipe of output `clean`: the required field `build` is missing',
      },
    ]);
    expect((await errorsOf('{build: x, args: {a-b: 1}}')).errors).toEqual([
      {
        ...at,
        code: 'SCHEMA_INVALID_KEY',
        col: 41,
        path: 'outputs[0].recipe.container.args.a-b',
        message: 'recipe of output `clean`: `a-b` is not valid here',
      },
    ]);
  });

  it('unknown top-level keys are warnings (the JSON Schema accepts them) naming removed fields', async () => {
    const r = await load({ 'astra.yaml': BASE + 'narrative:\n  summary: old style\nauthors: [me]\n', ...U });
    expect(r.errors).toEqual([]);
    expect(r.project).toBeDefined();
    expect(r.warnings.map((d) => [where(r.root, d), d.hint])).toEqual([
      [
        { code: 'UNKNOWN_FIELD', file: 'astra.yaml', line: 22, col: 1, path: 'narrative' },
        '`narrative` was removed in ASTRA 0.0.11; put prose in `description`',
      ],
      [
        { code: 'UNKNOWN_FIELD', file: 'astra.yaml', line: 24, col: 1, path: 'authors' },
        '`authors` was removed in ASTRA 0.0.11; put prose in `description`',
      ],
    ]);
  });

  it('type is required unless from; label and options unless from', async () => {
    const spec = BASE.replace('    type: data\n    inputs: [raw]', '    inputs: [raw]').replace('    label: Cut\n', '');
    const r = await load({ 'astra.yaml': spec, ...U });
    expect(r.errors.map((d) => where(r.root, d))).toEqual([
      { code: 'SCHEMA_REQUIRED', file: 'astra.yaml', line: 9, col: 5, path: 'outputs[0]' },
      { code: 'SCHEMA_REQUIRED', file: 'astra.yaml', line: 15, col: 3, path: 'decisions.cut' },
    ]);
  });

  it('an alias may not declare what it inherits (input, output, decision)', async () => {
    const spec = `${BASE}analyses:
  sub:
    inputs:
      - id: data
        from: ../raw
        source: other.csv
    outputs:
      - id: out
        type: data
        inputs: [data]
    decisions:
      c:
        from: ../cut
        label: Again
`;
    const withReexport = spec.replace(
      'outputs:\n  - id: clean',
      'outputs:\n  - id: again\n    from: sub.out\n    type: data\n  - id: clean',
    );
    const r = await load({ 'astra.yaml': withReexport, ...U });
    expect(r.errors.map((d) => where(r.root, d))).toEqual([
      { code: 'ALIAS_FIELD', file: 'astra.yaml', line: 11, col: 5, path: 'outputs[0].type' },
      { code: 'ALIAS_FIELD', file: 'astra.yaml', line: 30, col: 9, path: 'analyses.sub.inputs[0].source' },
      { code: 'ALIAS_FIELD', file: 'astra.yaml', line: 38, col: 9, path: 'analyses.sub.decisions.c.label' },
    ]);
  });

  it('ids: pattern, reserved words, key/id mismatch', async () => {
    const spec = BASE.replace('  - id: clean', '  - id: Clean_Data')
      .replace('  cut:\n    label: Cut', '  content:\n    id: cutoff\n    label: Cut')
      .replace('decisions: [cut]', 'decisions: [content]')
      .replace('{decisions.cut}', '{decisions.content}');
    const r = await load({ 'astra.yaml': spec, ...U });
    expect(r.errors.map((d) => where(r.root, d))).toEqual([
      { code: 'INVALID_ID', file: 'astra.yaml', line: 9, col: 9, path: 'outputs[0].id' },
      { code: 'RESERVED_ID', file: 'astra.yaml', line: 16, col: 3, path: 'decisions.content' },
      { code: 'MAP_KEY_ID_MISMATCH', file: 'astra.yaml', line: 17, col: 9, path: 'decisions.content.id' },
    ]);
    expect(r.errors[0]!.hint).toBe('e.g. clean_data');
  });

  it('collects every structural error of every file in one run', async () => {
    const spec = BASE.replace('version: "0.0.12"', 'version: 2')
      .replace('type: data\n    source', 'type: dataset\n    source')
      .replace('hard: {label: Hard}', 'hard: {label: Hard, note: x}');
    const r = await load({ 'astra.yaml': spec, 'universes/base.yaml': 'id: Base\ndecisions: [cut]\n' });
    expect(r.errors.map((d) => `${d.file!.slice(r.root.length + 1)}:${d.line}:${d.col} ${d.code}`)).toEqual([
      'astra.yaml:2:10 NON_STRING_VALUE',
      'astra.yaml:6:11 SCHEMA_ENUM',
      'astra.yaml:21:27 UNKNOWN_FIELD',
      'universes/base.yaml:1:5 INVALID_ID',
      // a list where a mapping belongs: the line that names the field
      'universes/base.yaml:2:1 SCHEMA_TYPE',
    ]);
  });

  it('insight dates need a time and a zone', async () => {
    const spec = `${BASE}prior_insights:
  prior:
    claim: Something holds.
    created_at: "2025-06-15"
    evidence: []
`;
    const r = await load({ 'astra.yaml': spec, ...U });
    expect(r.errors.map((d) => where(r.root, d))).toEqual([
      { code: 'INVALID_DATETIME', file: 'astra.yaml', line: 25, col: 17, path: 'prior_insights.prior.created_at' },
    ]);
  });
});
