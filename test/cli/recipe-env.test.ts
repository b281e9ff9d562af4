/**
 * lc leaves its recipes' environment alone: the colour it decides for its own output is not
 * passed on as FORCE_COLOR, piped or in a terminal; what the user set is passed on as set.
 */
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LC, tempDir, writeProject } from '../helpers/lc.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir('lc-recipe-env-')));
afterAll(() => cleanup());

let n = 0;
function project(): string {
  return writeProject(join(dir, `p${++n}`), {
    'astra.yaml': `id: envp\nversion: "0.0.12"\nname: Env\ninputs: []\ndecisions: {}\noutputs:\n  - id: seen\n    type: data\n    recipe:\n      command: 'echo "\${{FORCE_COLOR-unset}} \${{NODE_ENV-unset}}" > {output}/env.txt'\n`,
    'universes/u.yaml': 'id: u\ndecisions: {}\n',
  });
}

const seen = (root: string) => readFileSync(join(root, 'results/u/seen/env.txt'), 'utf8');
const base = () => {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !['FORCE_COLOR', 'NO_COLOR', 'CI', 'NODE_ENV'].includes(k)) env[k] = v;
  return { ...env, LIGHTCONE_SCRATCH: join(dir, 'scratch'), TERM: 'xterm-256color' };
};

describe('the environment recipes see', () => {
  test('piped: no FORCE_COLOR from lc', async () => {
    const root = project();
    const r = await execa(process.execPath, [LC, 'run'], { cwd: root, env: base(), extendEnv: false, reject: false });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(seen(root)).toBe('unset unset\n');
  });

  test('in a terminal (colour on): still none', async () => {
    const root = project();
    const r = await execa('script', ['-qec', `'${process.execPath}' '${LC}' run`, '/dev/null'], {
      cwd: root,
      env: base(),
      extendEnv: false,
      reject: false,
    });
    expect(r.exitCode, String(r.stdout)).toBe(0);
    // lc's own output was in colour
    expect(String(r.stdout)).toContain('\u001b[');
    expect(seen(root)).toBe('unset unset\n');
  });

  test('what the user set is passed on as set', async () => {
    const root = project();
    const r = await execa(process.execPath, [LC, 'run', '--no-color'], {
      cwd: root,
      env: { ...base(), FORCE_COLOR: '3', NODE_ENV: 'test' },
      extendEnv: false,
      reject: false,
    });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(seen(root)).toBe('3 test\n');
  });
});
