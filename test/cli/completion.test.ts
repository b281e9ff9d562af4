/**
 * Shell completion through a real bash: the script `lc completion bash` prints, sourced, asks
 * lc for commands, options (as each command's --help lists them), targets, universes and
 * queues of the project in the current directory.
 */
import { execa } from 'execa';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LC, copyExample, lc, tempDir } from '../helpers/lc.js';

let dir: string;
let cleanup: () => void;
let root: string;
beforeAll(() => {
  ({ dir, cleanup } = tempDir('lc-completion-'));
  root = copyExample('line-fit', dir);
  mkdirSync(join(root, '.lightcone'));
  writeFileSync(
    join(root, '.lightcone', 'lightcone.yaml'),
    'queues:\n  cpu: {cpus: 4}\n  gpu: {template: cpu, gpus: 1}\n',
  );
  // `lc` on PATH, as npm install -g puts it
  writeFileSync(join(dir, 'lc'), `#!/bin/sh\nexec '${process.execPath}' '${LC}' "$@"\n`);
  chmodSync(join(dir, 'lc'), 0o755);
});
afterAll(() => cleanup());

/** What bash completes for the words typed (the last one being completed). */
async function complete(...words: string[]): Promise<string[]> {
  const script = (await lc(['completion', 'bash'])).stdout;
  const arr = words.map((w) => `'${w}'`).join(' ');
  const r = await execa(
    'bash',
    ['-c', `${script}\nCOMP_WORDS=(lc ${arr}); COMP_CWORD=${words.length}; _lc; printf '%s\\n' "\${COMPREPLY[@]}"`],
    { cwd: root, env: { PATH: `${dir}:${process.env.PATH ?? ''}`, LIGHTCONE_SCRATCH: join(dir, 'scratch') } },
  );
  return String(r.stdout).split('\n').filter(Boolean);
}

describe('lc completion', () => {
  test('commands, options, targets, universes and queues, in bash', async () => {
    expect(await complete('st')).toEqual(['status']);
    expect(await complete('run', '--ke')).toEqual(['--keep-going']);
    expect(await complete('status', '-u', 'r')).toEqual(['raw-median', 'robust']);
    expect(await complete('run', 'res')).toEqual(['residuals']);
    expect(await complete('verify', 'robust/f')).toEqual(['robust/fit']);
    expect(await complete('run', '--queue', '')).toEqual(['cpu', 'gpu']);
    // a comma list: the queues not named yet, after those that are
    expect(await complete('run', '--queue', 'cpu,')).toEqual(['cpu,gpu']);
    expect(await complete('run', '--queue', 'gpu,c')).toEqual(['gpu,cpu']);
    expect(await complete('run', '--queue', 'cpu,gpu,')).toEqual([]);
    expect(await complete('scheduler', 'st')).toEqual(['start', 'status', 'stop']);
    expect(await complete('help', 'ver')).toEqual(['verify']);
  });

  test('a script for each shell; an unknown one is named', async () => {
    expect((await lc(['completion', 'zsh'])).stdout).toMatch(/^#compdef lc/);
    expect((await lc(['completion', 'fish'])).stdout).toMatch(/^# lc completion for fish/m);
    const bad = await lc(['completion', 'bsh']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/name one shell: bash, zsh, fish \(did you mean bash\?\)/);
  });
});
