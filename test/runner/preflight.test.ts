/**
 * What is known to fail is found before the first task: a missing input file, a script a recipe
 * runs that does not exist, resources no node has. `lc run` lists every problem (file:line of the
 * spec) and starts nothing, writes nothing; `--dry-run` lists them too; `lc validate` warns.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lc, tempDir, writeProject } from '../helpers/lc.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir('lc-preflight-')));
afterAll(() => cleanup());

/** ok: runs; data: reads a missing file; fit: runs a missing script; big: asks for 4096 cpus. */
function project(name: string): string {
  return writeProject(join(dir, name), {
    'astra.yaml': `id: pf
version: "0.0.12"
name: preflight
inputs:
  - id: raw
    type: data
    source: data/raw.csv
  - id: iris
    type: data
    source: sklearn.datasets.load_iris
decisions: {}
outputs:
  - id: ok
    type: data
    recipe: {command: "echo fine > {output}/x"}
  - id: clean
    type: data
    inputs: [raw, iris]
    recipe: {command: "cp {inputs.raw} {output}/"}
  - id: fit
    type: data
    inputs: [ok]
    recipe: {command: "python3 -u scripts/fit.py {inputs.ok} {output}"}
  - id: big
    type: data
    recipe:
      command: "true"
      resources: {cpus: 4096}
`,
    'universes/a.yaml': 'id: a\ndecisions: {}\n',
    'universes/b.yaml': 'id: b\ndecisions: {}\n',
  });
}

describe('checks before the first task', () => {
  it('lc run: every problem with its spec line, exit 1, nothing started or written', async () => {
    const root = project('run');
    const scratch = join(dir, 'run-scratch');
    const r = await lc(['run', '--plain'], { cwd: root, env: { LIGHTCONE_SCRATCH: scratch } });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n');
    expect(lines, r.stderr).toContain(
      'astra.yaml:5:5 INPUT_MISSING input raw: data/raw.csv does not exist: 2 tasks (a/clean, b/clean) would fail',
    );
    expect(lines, r.stderr).toContain(
      'astra.yaml:23:23 SCRIPT_MISSING the recipe of fit calls scripts/fit.py, which does not exist: 2 tasks (a/fit, b/fit) would fail',
    );
    expect(r.stderr).toMatch(
      /astra\.yaml:\d+:\d+ DOES_NOT_FIT big asks for cpus=4096, more than any node of this machine has/,
    );
    expect(r.stderr).toContain('lc: 3 problems would fail tasks of this run; nothing was started [PREFLIGHT]');
    expect(r.stderr).not.toContain('iris'); // a loader name is not a file
    expect(existsSync(join(root, 'results'))).toBe(false);
    const state = join(scratch, '.lightcone');
    for (const d of ['runs', 'failures', 'logs'])
      expect(existsSync(join(state, d)) ? readdirSync(join(state, d)) : []).toEqual([]);
  });

  it('--dry-run shows the plan and the problems, exit 1; validate warns, exit 0; fixed, the run goes', async () => {
    const root = project('dry');
    const env = { LIGHTCONE_SCRATCH: join(dir, 'dry-scratch') };
    const dry = await lc(['run', '--dry-run'], { cwd: root, env });
    expect(dry.exitCode).toBe(1);
    expect(dry.stdout).toContain('Would run');
    expect(dry.stderr).toContain('INPUT_MISSING');
    expect(dry.stderr).toContain('DOES_NOT_FIT');
    const v = await lc(['validate'], { cwd: root, env });
    expect(v.exitCode).toBe(0);
    expect(v.stdout).toContain('warning INPUT_MISSING');
    expect(v.stdout).toContain('warning SCRIPT_MISSING');
    expect(v.stdout).not.toContain('DOES_NOT_FIT'); // depends on the machine: not validate's business

    // only the tasks asked for are checked
    const ok = await lc(['run', '--plain', 'ok'], { cwd: root, env });
    expect(ok.exitCode, ok.stderr).toBe(0);
    rmSync(join(root, 'results'), { recursive: true });
  });
});
