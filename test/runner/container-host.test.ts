/**
 * lc does not run recipes in containers yet: a recipe that declares one runs on the host, and
 * everything lc says about it says so. The manifest records `runtime: none` next to the
 * declared image; status and verify note it (a note, not a failure).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lc, tempDir, writeProject } from '../helpers/lc.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir('lc-container-host-')));
afterAll(() => cleanup());

describe('a declared container, run on the host', () => {
  it('the manifest says runtime none; status and verify say it ran on the host', async () => {
    const root = writeProject(join(dir, 'p'), {
      'astra.yaml': `id: c
version: "0.0.12"
name: container
inputs: []
decisions: {}
outputs:
  - id: boxed
    type: data
    recipe: {command: "echo hi > {output}/x", container: "python:3.12-slim"}
  - id: plain
    type: data
    recipe: {command: "echo hi > {output}/x"}
`,
      'universes/u.yaml': 'id: u\ndecisions: {}\n',
    });
    const env = { LIGHTCONE_SCRATCH: join(dir, 'scratch'), LC_CONTAINER_RUNTIME: 'none' };
    expect((await lc(['run', '--plain'], { cwd: root, env })).exitCode).toBe(0);
    const m = JSON.parse(readFileSync(join(root, 'results/u/boxed/.lightcone-manifest.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(m).toMatchObject({ container_image: 'python:3.12-slim', runtime: 'none' });
    const plain = JSON.parse(readFileSync(join(root, 'results/u/plain/.lightcone-manifest.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(plain).toMatchObject({ container_image: null, runtime: 'none' });

    const st = JSON.parse((await lc(['status', '--json'], { cwd: root, env })).stdout) as {
      tasks: { id: string; state: string; notes: string[] }[];
    };
    expect(st.tasks.map((t) => [t.id, t.state, t.notes])).toEqual([
      ['u/boxed', 'ok', ['ran on the host, not in its declared container python:3.12-slim (container runtime none)']],
      ['u/plain', 'ok', []],
    ]);
    const text = await lc(['status'], { cwd: root, env });
    expect(text.stdout).toMatch(
      /ok {9}u {2}\d+s ago, ran on the host, not in its declared container python:3\.12-slim/,
    );

    const v = await lc(['verify'], { cwd: root, env });
    expect(v.exitCode).toBe(0);
    expect(v.stdout).toContain(
      'Note: 1 output ran on the host, not in its declared container (container runtime none): u/boxed.',
    );
    const vj = JSON.parse((await lc(['verify', '--json'], { cwd: root, env })).stdout) as {
      summary: Record<string, number>;
    };
    expect(vj.summary).toMatchObject({ passed: 2, on_host: 1 });
  });
});
