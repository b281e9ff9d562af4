/**
 * The npm package as a user gets it: packed from this checkout (the build is the one the suite
 * runs; prepack builds it for a real `npm pack`), installed into an empty prefix, and used from
 * there on a new project: lc init, lc run, lc status --json, and the bundled example.
 */
import { execa } from 'execa';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REPO, tempDir } from '../helpers/lc.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir('lc-package-')));
afterAll(() => cleanup());

describe('the npm package', () => {
  test('packs what runs, installs into an empty prefix, and works from there', { timeout: 300_000 }, async () => {
    const pack = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: REPO });
    const [info] = JSON.parse(String(pack.stdout)) as { filename: string; files: { path: string }[] }[];
    const paths = (info?.files ?? []).map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'README.md',
        'dist/bin/lc.js',
        'dist/bin/supervisor-main.js',
        'python/lc_dask_bridge.py',
        'examples/line-fit/astra.yaml',
      ]),
    );
    // the bundle only: not tsc's per-module output, sources, tests or a run's state
    expect(
      paths.filter((p) =>
        /^(src|engine|test|dist\/(src|engine|components))\/|\.map$|__pycache__|\/results\/|\/\.lightcone\//.test(p),
      ),
    ).toEqual([]);

    const prefix = join(dir, 'prefix');
    const tarball = join(dir, info?.filename as string);
    const install = await execa(
      'npm',
      ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball],
      { reject: false, all: true },
    );
    expect(install.exitCode, String(install.all)).toBe(0);
    const lc = join(prefix, 'bin', 'lc');
    const env = {
      PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}`,
      LIGHTCONE_SCRATCH: join(dir, 'scratch'),
      NO_COLOR: '1',
    };
    const work = join(dir, 'work');
    await execa('mkdir', ['-p', work]);
    expect((await execa(lc, ['init', 'first'], { cwd: work, env })).exitCode).toBe(0);
    const run = await execa(lc, ['run', '--plain'], { cwd: join(work, 'first'), env, reject: false, all: true });
    expect(run.exitCode, String(run.all)).toBe(0);
    const status = JSON.parse(
      String((await execa(lc, ['status', '--json'], { cwd: join(work, 'first'), env })).stdout),
    ) as { tasks: { state: string }[] };
    expect(status.tasks.map((t) => t.state)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect((await execa(lc, ['init', '--example', 'line-fit'], { cwd: work, env })).exitCode).toBe(0);
    expect(readdirSync(join(work, 'line-fit')).sort()).toEqual(['astra.yaml', 'data', 'scripts', 'universes']);
    expect((await execa(lc, ['--version'], { env })).stdout).toMatch(/^lightcone-tui \d+\.\d+\.\d+$/);
  });
});
