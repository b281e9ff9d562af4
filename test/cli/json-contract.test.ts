/**
 * One JSON contract: the real `--json` output of every command, and every `lc run --json`
 * line, validates against the JSON Schema shipped in schemas/, carries `schema`, and uses
 * snake_case keys; a command asked for JSON fails with a JSON error document on stdout and
 * its documented exit code.
 */
import ajv2020 from 'ajv/dist/2020.js';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { jsonSchemas } from '../../src/json-schemas.js';
import { REPO, copyExample, lc, tempDir, writeProject } from '../helpers/lc.js';

const Ajv2020 = ajv2020.default;
const ajv = new Ajv2020({ allErrors: true, strict: false });
const shipped = (name: string) =>
  JSON.parse(readFileSync(join(REPO, 'schemas', `lc-${name}.schema.json`), 'utf8')) as object;

let dir: string;
let cleanup: () => void;
let root: string;
let env: Record<string, string>;
beforeAll(() => {
  ({ dir, cleanup } = tempDir('lc-json-'));
  root = copyExample('line-fit', dir);
  env = { LIGHTCONE_SCRATCH: join(dir, 'scratch') };
});
afterAll(() => cleanup());

/** Every key of a document, at any depth, except the keys of maps named by the caller. */
function keysOf(v: unknown, skip: ReadonlySet<string>, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => keysOf(x, skip, out));
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      out.push(k);
      if (!skip.has(k)) keysOf(x, skip, out);
    }
  return out;
}

function conforms(name: string, doc: unknown): void {
  const check = ajv.compile(shipped(name));
  expect(check(doc), `${name}: ${ajv.errorsText(check.errors)}\n${JSON.stringify(doc).slice(0, 500)}`).toBe(true);
  expect((doc as { schema?: unknown }).schema).toBeTypeOf('number');
  const camel = keysOf(doc, new Set(['codes', 'decisions'])).filter((k) => /[a-z][A-Z]/.test(k));
  expect(camel, `${name}: camelCase keys`).toEqual([]);
}

async function json(args: string[], cwd = root): Promise<unknown> {
  const r = await lc(args, { cwd, env });
  return JSON.parse(r.stdout);
}

describe('--json output and its shipped schemas', () => {
  test('the shipped schemas are the ones the zod schemas make', () => {
    const made = jsonSchemas();
    expect(readdirSync(join(REPO, 'schemas')).sort()).toEqual(Object.keys(made).sort());
    for (const [file, schema] of Object.entries(made))
      expect(JSON.parse(readFileSync(join(REPO, 'schemas', file), 'utf8'))).toEqual(schema);
  });

  test('lc run --json: every line is a run event of the schema', async () => {
    const r = await lc(['run', '--json'], { cwd: root, env });
    expect(r.exitCode).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    expect([...new Set(lines.map((l) => l.type))]).toEqual(
      expect.arrayContaining([
        'plan_ready',
        'task_queued',
        'task_started',
        'task_output',
        'task_succeeded',
        'run_finished',
      ]),
    );
    for (const l of lines) conforms('run-event', l);
    const dry = await lc(['run', '--json', '-n', '--force'], { cwd: root, env });
    conforms('run-event', JSON.parse(dry.stdout));
  });

  test('a failing run: task_failed and run_finished conform too', async () => {
    const bad = writeProject(join(dir, 'bad'), {
      'astra.yaml':
        'id: bad\nversion: "0.0.12"\nname: Bad\ninputs: []\ndecisions: {}\noutputs:\n  - id: x\n    type: data\n    recipe:\n      command: "exit 4"\n',
      'universes/u.yaml': 'id: u\ndecisions: {}\n',
    });
    const r = await lc(['run', '--json'], { cwd: bad, env });
    expect(r.exitCode).toBe(1);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    expect(lines.map((l) => l.type)).toContain('task_failed');
    for (const l of lines) conforms('run-event', l);
  });

  test('status, verify, validate, dag, build, export and scheduler documents', async () => {
    conforms('status', await json(['status', '--json']));
    conforms('verify', await json(['verify', '--json']));
    conforms('verify', await json(['verify', '--json', '--refresh']));
    conforms('validate', await json(['validate', '--json']));
    conforms('validate', await json(['validate', '--json', '--explain']));
    conforms('dag', await json(['dag', '--json']));
    conforms('build', await json(['build', '--json']));
    conforms(
      'export',
      await json(['export', 'job', 'fit', '-u', 'baseline', '-u', 'robust', '--to', join(dir, 'jobs'), '--json']),
    );
    conforms('scheduler', await json(['scheduler', 'status', '--json']));
    conforms('scheduler-stop', await json(['scheduler', 'stop', '--json']));
    const st = (await json(['status', '--json'])) as { executor: unknown };
    expect(st.executor).toEqual({ name: 'local', scheduler: null, queue: null });
  });

  test('an invalid spec: validate lists its errors, and a failing command prints a JSON error', async () => {
    const broken = writeProject(join(dir, 'broken'), {
      'astra.yaml':
        'id: broken\nversion: "0.0.12"\nname: Broken\ninputs: []\ndecisions: {}\noutputs:\n  - id: x\n    type: nonsense\n',
    });
    const v = await lc(['validate', '--json'], { cwd: broken, env });
    expect(v.exitCode).toBe(1);
    const doc = JSON.parse(v.stdout) as { errors: unknown[] };
    conforms('validate', doc);
    expect(doc.errors.length).toBeGreaterThan(0);

    const s = await lc(['status', '--json'], { cwd: broken, env });
    expect(s.exitCode).toBe(1);
    const err = JSON.parse(s.stdout) as { error: { code: string; file: string; line: number; diagnostics: unknown[] } };
    conforms('error', err);
    expect(err.error).toMatchObject({ code: 'SPEC_INVALID', file: 'astra.yaml' });
    expect(err.error.line).toBeGreaterThan(0);

    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const nf = await lc(['dag', '--json'], { cwd: empty, env });
    expect(nf.exitCode).toBe(1);
    conforms('error', JSON.parse(nf.stdout));
    const usage = await lc(['status', '--json', '--nope'], { cwd: root, env });
    expect(usage.exitCode).toBe(2);
    expect(JSON.parse(usage.stdout)).toMatchObject({ schema: 1, error: { code: 'USAGE' } });
  });
});
