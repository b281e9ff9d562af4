/**
 * `lc validate` through the built CLI: exit codes, the `file:line:col` text format, --json,
 * --explain, project discovery.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyExample, lc, writeProject } from '../helpers/lc.js';
import { BASE, scratch } from './helpers.js';

describe('lc validate', () => {
  it('exits 0 on the bundled example and says what it checked', async () => {
    const root = copyExample('line-fit', scratch());
    const r = await lc(['validate'], { cwd: root });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('valid (Noisy line fit: 4 universes)'); // execa drops the final newline
    expect(r.exitCode).toBe(0);
  });

  it('finds the project by walking up from a subdirectory, or takes -C', async () => {
    const root = copyExample('line-fit', scratch());
    const sub = join(root, 'data', 'deeper');
    mkdirSync(sub, { recursive: true });
    expect((await lc(['validate'], { cwd: sub })).exitCode).toBe(0);
    expect((await lc(['-C', root, 'validate'], { cwd: scratch() })).exitCode).toBe(0);
  });

  it('exits 1 and prints every error as file:line:col with the path and a hint', async () => {
    const root = writeProject(scratch(), {
      'astra.yaml': BASE.replace('version: "0.0.12"', 'version: 1.0').replace(
        'type: data\n    inputs',
        'type: dataset\n    inputs',
      ),
      'universes/base.yaml': 'id: base\ndecisions:\n  cut: 7\n',
    });
    const r = await lc(['validate'], { cwd: root });
    expect(r.exitCode).toBe(1);
    expect(r.stdout.split('\n')).toEqual([
      'astra.yaml:2:10 NON_STRING_VALUE the analysis: `version` must be text, but YAML reads `1.0` as a number',
      '    at version',
      '    hint: quote it: version: "1.0"',
      'astra.yaml:10:11 SCHEMA_ENUM output `clean`: `type` must be one of metric, figure, table, data, report, not `dataset`',
      '    at outputs[0].type',
      '    hint: use one of: metric, figure, table, data, report',
      'universes/base.yaml:3:8 NON_STRING_VALUE the universe: the choice for `cut` (an option id) must be text, but YAML reads `7` as a number',
      '    at decisions.cut',
      '    hint: quote it: cut: "7"',
      'invalid: 3 errors',
    ]);
  });

  it('--json gives {schema, valid, errors, warnings} with positions relative to the working directory', async () => {
    const root = writeProject(scratch(), {
      'astra.yaml': BASE.replace('default: soft', 'default: medium'),
      'universes/base.yaml': 'id: base\ndecisions:\n  cut: soft\n',
    });
    const r = await lc(['validate', '--json'], { cwd: root });
    expect(r.exitCode).toBe(1);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toEqual({
      schema: 1,
      valid: false,
      errors: [
        {
          code: 'INVALID_DEFAULT',
          severity: 'error',
          message: 'decision `cut`: default `medium` is not one of its options (known options: soft, hard)',
          file: 'astra.yaml',
          line: 18,
          column: 14,
          path: 'decisions.cut.default',
          hint: null,
        },
      ],
      warnings: [],
    });
  });

  it('prints warnings but exits 0 when there are no errors', async () => {
    const root = writeProject(scratch(), {
      'astra.yaml': `${BASE}authors: [someone]\n`,
      'universes/base.yaml': 'id: base\ndecisions:\n  cut: soft\n',
      'data.csv': 'x\n',
      'clean.sh': 'true\n',
    });
    const r = await lc(['validate'], { cwd: root });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^astra\.yaml:22:1 warning UNKNOWN_FIELD unknown top-level field `authors`/);
    expect(r.stdout).toMatch(/\nvalid \(Demo: 1 universe\), 1 warning$/);
  });

  it('warns about an input file and a script that are not there (a run would refuse to start)', async () => {
    const root = writeProject(scratch(), {
      'astra.yaml': BASE,
      'universes/base.yaml': 'id: base\ndecisions:\n  cut: soft\n',
    });
    const r = await lc(['validate'], { cwd: root });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      'astra.yaml:5:5 warning INPUT_MISSING input raw: data.csv does not exist: task base/clean would fail',
      '    at inputs[0]',
      'astra.yaml:14:16 warning SCRIPT_MISSING the recipe of clean calls clean.sh, which does not exist: task base/clean would fail',
      '    at outputs[0].recipe.command',
      'valid (Demo: 1 universe), 2 warnings',
    ]);
  });

  it('--explain shows what a missing choice would have defaulted to, and a universe of defaults', async () => {
    const root = writeProject(scratch(), {
      'astra.yaml': BASE,
      'universes/base.yaml': 'id: base\ndescription: no choices\n',
    });
    const r = await lc(['validate', '--explain'], { cwd: root });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(
      'universes/base.yaml:1:1 MISSING_DECISION universe `base` makes no choice for decision `cut`',
    );
    expect(r.stdout).toContain('  MISSING_DECISION: A universe makes no choice for a decision that applies in it.');
    expect(r.stdout).toContain('  universes/base.yaml: cut would default to soft\n');
    expect(r.stdout).toContain(
      '  id: baseline\n  description: Default configuration using standard practices\n  decisions:\n    cut: soft\n',
    );
    const j = JSON.parse((await lc(['validate', '--json', '--explain'], { cwd: root })).stdout) as {
      explain: Record<string, unknown>;
    };
    expect(j.explain.missing_defaults).toEqual([
      { universe: 'base', file: 'universes/base.yaml', decision: 'cut', default: 'soft' },
    ]);
    expect(j.explain.default_universe).toEqual({
      id: 'baseline',
      description: 'Default configuration using standard practices',
      decisions: { cut: 'soft' },
    });
  });

  it('reports DAG-level problems too (an active output fed by an inactive one)', async () => {
    const spec = BASE.replace(
      'decisions:\n  cut:',
      '  - id: fit\n    type: metric\n    inputs: [extra]\n    recipe: {command: sh fit.sh}\n  - id: extra\n    type: data\n    when: [cut.hard]\n    recipe: {command: sh extra.sh}\ndecisions:\n  cut:',
    );
    const root = writeProject(scratch(), {
      'astra.yaml': spec,
      'universes/base.yaml': 'id: base\ndecisions:\n  cut: soft\n',
    });
    const r = await lc(['validate'], { cwd: root });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/INACTIVE_INPUT/);
  });

  it('fails clearly without a project, and on unknown flags', async () => {
    const none = await lc(['validate'], { cwd: scratch() });
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toMatch(/no astra\.yaml in .* or any parent directory/);
    const bad = await lc(['validate', '--jsno'], { cwd: scratch() });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--jsno/);
  });
});
