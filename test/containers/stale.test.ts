/** Through the built lc: a file a Containerfile copies makes its outputs stale, named; others do not. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lc, tempDir, writeProject } from '../helpers/lc.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir('lc-container-stale-')));
afterAll(() => cleanup());

interface StatusDoc {
  tasks: { id: string; state: string; reasons: { kind: string; detail: string }[] }[];
}

describe('a Containerfile and what it copies', () => {
  it('editing a copied source: stale, naming the file; an ignored or uncopied file: still ok', async () => {
    const root = writeProject(join(dir, 'p'), {
      'astra.yaml': `id: c
version: "0.0.12"
name: container
inputs: []
decisions: {}
outputs:
  - id: fit
    type: data
    recipe: {command: "echo hi > {output}/x", container: env/Containerfile}
`,
      'universes/u.yaml': 'id: u\ndecisions: {}\n',
      'env/Containerfile': 'FROM localhost/base\nCOPY src/ /app/\n',
      'env/.containerignore': '**/*.tmp\n',
      'env/src/fit.py': 'print(1)\n',
      'env/src/notes.tmp': 'x\n',
      'env/README.md': 'notes\n',
    });
    const env = { LIGHTCONE_SCRATCH: join(dir, 'scratch'), LC_CONTAINER_RUNTIME: 'none' };
    expect((await lc(['run', '--plain'], { cwd: root, env })).exitCode).toBe(0);
    const m = JSON.parse(readFileSync(join(root, 'results/u/fit/.lightcone-manifest.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(Object.keys(m.container_files as object).sort()).toEqual([
      'env/.containerignore',
      'env/Containerfile',
      'env/src/fit.py',
    ]);
    const status = async () =>
      (JSON.parse((await lc(['status', '--json'], { cwd: root, env })).stdout) as StatusDoc).tasks[0];

    writeFileSync(join(root, 'env/src/notes.tmp'), 'changed\n');
    writeFileSync(join(root, 'env/README.md'), 'changed\n');
    expect((await status())?.state).toBe('ok');

    writeFileSync(join(root, 'env/src/fit.py'), 'print(2)\n');
    expect(await status()).toMatchObject({
      state: 'stale',
      reasons: [{ kind: 'container', detail: 'container env/Containerfile: env/src/fit.py changed' }],
    });
    writeFileSync(join(root, 'env/src/new.py'), 'print(3)\n');
    writeFileSync(join(root, 'env/src/fit.py'), 'print(1)\n');
    expect((await status())?.reasons[0]?.detail).toBe('container env/Containerfile: env/src/new.py added');
  });
});
