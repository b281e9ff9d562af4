/**
 * Conformance: on every ASTRA example and fixture file, lc's verdict equals the published
 * JSON Schema's (validated here with ajv, draft 2019-09) plus the stricter alias rules the
 * spec states (invalid 004/006/007 are rejected even where the schema alone... also rejects
 * them). The fixture name says which class the document is (Analysis-, Universe-, Insight-).
 */
import Ajv2019 from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { checkDocumentText } from '../../engine/spec/document.js';
import type { DocKind } from '../../engine/spec/ids.js';
import { FIXTURES } from '../helpers/lc.js';

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
