/**
 * `lc init`: a new project validates and runs at once, with its settings file and .gitignore;
 * nothing is ever overwritten; the bundled example is copied as shipped; lc outside any
 * project says how to start one.
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { lc, tempDir } from '../helpers/lc.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir('lc-init-')));
afterAll(() => cleanup());

const env = () => ({ LIGHTCONE_SCRATCH: join(dir, 'scratch') });

describe('lc init', () => {
  test('a new project validates and runs at once', async () => {
    const r = await lc(['init', 'My-Analysis'], { cwd: dir, env: env() });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^created project in My-Analysis\nnext: cd My-Analysis && lc run/);
    const root = join(dir, 'My-Analysis');
    expect(readFileSync(join(root, 'astra.yaml'), 'utf8')).toMatch(/^id: my_analysis$/m);
    expect(readFileSync(join(root, '.gitignore'), 'utf8')).toMatch(/^results\/$/m);
    expect(readFileSync(join(root, '.lightcone/lightcone.yaml'), 'utf8')).toMatch(/^# queues:/m);
    expect((await lc(['validate'], { cwd: root, env: env() })).stdout).toMatch(/^valid \(my_analysis: 2 universes\)/);
    const run = await lc(['run', '--plain'], { cwd: root, env: env() });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(readFileSync(join(root, 'results/tenfold/total/total.json'), 'utf8')).toBe('{"total": 310}\n');
    expect(readFileSync(join(root, 'results/baseline/total/total.json'), 'utf8')).toBe('{"total": 31}\n');
  });

  test('nothing is overwritten', async () => {
    const root = join(dir, 'taken');
    mkdirSync(root);
    writeFileSync(join(root, 'astra.yaml'), 'mine\n');
    const r = await lc(['init'], { cwd: root });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(
      /^lc init: astra.yaml exists: nothing written \[PROJECT_EXISTS\]\n {4}hint: this directory already holds a project/,
    );
    expect(readFileSync(join(root, 'astra.yaml'), 'utf8')).toBe('mine\n');
    expect(existsSync(join(root, 'universes'))).toBe(false);
  });

  test('--container: the recipes run in the image of its Containerfile', async () => {
    const r = await lc(['init', 'boxed', '--container'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    const root = join(dir, 'boxed');
    expect(readFileSync(join(root, 'Containerfile'), 'utf8')).toMatch(/^FROM /m);
    expect(readFileSync(join(root, 'astra.yaml'), 'utf8').match(/container: Containerfile/g)).toHaveLength(2);
    expect((await lc(['validate'], { cwd: root, env: env() })).exitCode).toBe(0);
  });

  test('--example copies the bundled example as shipped; a mistyped name gets the nearest', async () => {
    const r = await lc(['init', '--example', 'line-fit'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'line-fit/astra.yaml'))).toBe(true);
    expect(existsSync(join(dir, 'line-fit/results'))).toBe(false);
    expect((await lc(['validate'], { cwd: join(dir, 'line-fit'), env: env() })).exitCode).toBe(0);
    const typo = await lc(['init', '--example', 'line-fi', 'x'], { cwd: dir });
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toMatch(/no bundled example 'line-fi' \(did you mean line-fit\?\) \(there are: line-fit\)/);
  });

  test('lc outside any project says how to start one', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const r = await lc(['status'], { cwd: empty });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/PROJECT_NOT_FOUND\]\n {4}hint: .*start one: lc init/);
  });
});
