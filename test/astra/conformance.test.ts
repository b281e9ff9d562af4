/**
 * Conformance: on every ASTRA example and fixture file, lc's verdict equals the published
 * JSON Schema's (checked here with ajv, draft 2019-09) plus the stricter alias rules of the
 * spec (invalid 004/006/007, which Pydantic-based tools let through). The fixture name says
 * which class the document is (Analysis-, Universe-, Insight-). The examples also load as
 * whole projects, universes included.
 */
import ajv2019 from 'ajv/dist/2019.js';
import ajvFormats from 'ajv-formats';
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { checkDocumentText } from '../../engine/astra/document.js';
import { loadProject } from '../../engine/astra/index.js';
import type { DocKind } from '../../engine/astra/ids.js';
import { FIXTURES, writeProject } from '../helpers/lc.js';
import { scratch } from './helpers.js';

// CommonJS packages: under NodeNext the default import is module.exports, whose .default is the export.
const Ajv2019 = ajv2019.default;
const addFormats = ajvFormats.default;

const SCHEMA = JSON.parse(readFileSync(join(FIXTURES, 'astra-schema', 'astra.schema.json'), 'utf8')) as Record<string, unknown>;
const EXAMPLES = join(FIXTURES, 'astra-examples');

function schemaValidator(kind: DocKind) {
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  addFormats(ajv);
  const def = kind === 'analysis' ? '' : kind === 'universe' ? 'Universe' : 'Insight';
  ajv.addSchema(SCHEMA, 'astra');
  return ajv.getSchema(def === '' ? 'astra' : `astra#/$defs/${def}`)!;
}

/** JSON Schema's verdict, with map keys copied into `id` as both official tools do first. */
function schemaAccepts(kind: DocKind, text: string): boolean {
  const doc = parse(text) as unknown;
  return schemaValidator(kind)(doc) === true;
}

function kindOf(name: string): DocKind {
  if (name.startsWith('Analysis-')) return 'analysis';
  if (name.startsWith('Universe-')) return 'universe';
  if (name.startsWith('Insight-')) return 'insight';
  throw new Error(`unknown fixture class: ${name}`);
}

const cases: { file: string; kind: DocKind; expectValid: boolean }[] = [];
for (const dir of ['valid', 'invalid']) {
  for (const name of readdirSync(join(EXAMPLES, 'tests-data', dir)).sort()) {
    cases.push({ file: join(EXAMPLES, 'tests-data', dir, name), kind: kindOf(name), expectValid: dir === 'valid' });
  }
}
for (const ex of ['iris', 'iris_pipeline']) {
  cases.push({ file: join(EXAMPLES, ex, 'astra.yaml'), kind: 'analysis', expectValid: true });
  for (const u of readdirSync(join(EXAMPLES, ex, 'universes')).sort()) {
    cases.push({ file: join(EXAMPLES, ex, 'universes', u), kind: 'universe', expectValid: true });
  }
}

describe('conformance with the published JSON Schema 0.0.12', () => {
  it('covers every fixture file', () => {
    expect(cases.length).toBe(10 + 2 + 4);
  });

  it.each(cases.map((c) => [c.file.slice(EXAMPLES.length + 1), c]))('%s', async (_name, c) => {
    const text = readFileSync(c.file, 'utf8');
    const ours = await checkDocumentText(c.kind, text, c.file);
    const oursValid = !ours.diagnostics.some((d) => d.severity === 'error');
    // The fixture folder is the ground truth; the JSON Schema must agree with it, and so must we.
    expect(schemaAccepts(c.kind, text)).toBe(c.expectValid);
    expect({ valid: oursValid, errors: ours.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code) }).toEqual({
      valid: c.expectValid,
      errors: c.expectValid ? [] : expect.arrayContaining([expect.any(String)]),
    });
  });
});

describe('the ASTRA examples as projects', () => {
  it.each(['iris', 'iris_pipeline'])('%s loads and every universe validates', async (name) => {
    const root = join(scratch(), name);
    cpSync(join(EXAMPLES, name), root, { recursive: true });
    const r = await loadProject(root);
    expect(r.diagnostics).toEqual([]);
    const ids = readdirSync(join(root, 'universes')).map((f) => f.replace(/\.ya?ml$/, '')).sort();
    expect(r.project!.universes.map((u) => u.id)).toEqual(ids);
  });

  it('iris: the declared constraints hold in its universes and are enforced in a new one', async () => {
    const root = join(scratch(), 'iris');
    cpSync(join(EXAMPLES, 'iris'), root, { recursive: true });
    writeProject(root, {
      'universes/bad.yaml': 'id: bad\ndecisions:\n  scaling: minmax\n  model: svm\n  test_size: small\n  random_seed: seed_42\n',
    });
    const r = await loadProject(root);
    expect(r.diagnostics.map((d) => [d.code, d.line, d.col])).toEqual([
      ['INCOMPATIBLE_OPTIONS', 3, 12],
      ['MISSING_REQUIRED_OPTION', 4, 10],
    ]);
  });

  it('tests-data/valid/Analysis-001 with Universe-001 is a valid project (semantics included)', async () => {
    const root = writeProject(scratch(), {
      'astra.yaml': readFileSync(join(EXAMPLES, 'tests-data', 'valid', 'Analysis-001.yaml'), 'utf8'),
      'universes/baseline.yaml': readFileSync(join(EXAMPLES, 'tests-data', 'valid', 'Universe-001.yaml'), 'utf8'),
    });
    const r = await loadProject(root);
    expect(r.diagnostics).toEqual([]);
    expect(Object.fromEntries(r.project!.universes[0]!.choices)).toEqual({
      method: 'neural_net',
      training_split: 'split_80_20',
      'calibration.cal_method': 'pitpz',
    });
  });

  it.each(readdirSync(join(EXAMPLES, 'tests-data', 'invalid')).sort())('tests-data/invalid/%s is rejected as a project', async (name) => {
    const root = writeProject(scratch(), { 'astra.yaml': readFileSync(join(EXAMPLES, 'tests-data', 'invalid', name), 'utf8') });
    const r = await loadProject(root);
    expect(r.project).toBeUndefined();
    expect(r.diagnostics.some((d) => d.severity === 'error')).toBe(true);
  });
});
