/**
 * Recipes that really run in their containers, with podman (rootful, as CI runs): the image is
 * built under its content-addressed tag before any task starts, the recipe sees the image's
 * files and writes into the project, the manifest names the runtime and the image it ran, and a
 * time limit leaves no container behind. The base image is made offline by
 * scripts/container-base.sh (podman missing: these tests fail, they do not skip).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { LC, lc, REPO, tempDir, writeProject } from '../helpers/lc.js';

let dir: string;
let cleanup: () => void;
let env: Record<string, string>;

beforeAll(() => {
  ({ dir, cleanup } = tempDir('lc-podman-'));
  const conf = execFileSync('bash', [join(REPO, 'scripts/container-base.sh')], { encoding: 'utf8' }).trim();
  env = { CONTAINERS_CONF: conf, LC_CONTAINER_RUNTIME: 'podman', LIGHTCONE_SCRATCH: join(dir, 'scratch') };
});
afterAll(() => cleanup());

const podman = (...args: string[]) =>
  execFileSync('podman', args, { encoding: 'utf8', env: { ...process.env, CONTAINERS_CONF: env.CONTAINERS_CONF } });
const ours = () =>
  podman('ps', '-a', '--format', '{{.Names}}')
    .split('\n')
    .filter((n) => n.startsWith('lc-'));

function project(name: string, command: string, resources = '') {
  return writeProject(join(dir, name), {
    'astra.yaml': `id: p
version: "0.0.12"
name: podman
inputs: []
decisions: {}
outputs:
  - id: inside
    type: data
    recipe:
      command: "${command}"
      container: env/Containerfile${resources}
`,
    'universes/u.yaml': 'id: u\ndecisions: {}\n',
    'env/Containerfile': 'FROM localhost/lc-test-base\nCOPY marker.txt /opt/marker.txt\n',
    'env/marker.txt': 'only in the image\n',
  });
}

describe('recipes in podman containers', () => {
  it('built under its tag before the run; the recipe runs inside and writes into the project; the manifest says so', async () => {
    const root = project('runs', 'cat /opt/marker.txt > {output}/seen.txt; hostname > {output}/host.txt');
    const r = await lc(['run', '--plain'], { cwd: root, env });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(join(root, 'results/u/inside/seen.txt'), 'utf8')).toBe('only in the image\n');
    const m = JSON.parse(readFileSync(join(root, 'results/u/inside/.lightcone-manifest.json'), 'utf8')) as Record<
      string,
      string
    >;
    expect(m).toMatchObject({ container_image: 'env/Containerfile', runtime: 'podman' });
    const tags = podman('images', '--format', '{{.Repository}}:{{.Tag}}');
    const tag = /localhost\/(lc-env-[0-9a-f]{12})/.exec(tags)?.[1];
    expect(tag).toBeDefined();
    expect(m.image_id).toBe(
      `sha256:${podman('image', 'inspect', '--format', '{{.Id}}', `localhost/${tag}`)
        .trim()
        .replace(/^sha256:/, '')}`,
    );
    expect(ours()).toEqual([]);
    const st = JSON.parse((await lc(['status', '--json'], { cwd: root, env })).stdout) as {
      tasks: { state: string; notes: string[] }[];
    };
    expect(st.tasks[0]).toMatchObject({ state: 'ok', notes: [] });
  });

  it('a time limit stops the container, not only its client', async () => {
    const root = project('limit', 'sleep 60', '\n      resources: {time_limit: 2s}');
    const r = await lc(['run', '--plain'], { cwd: root, env });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/time limit/);
    // the removal runs beside lc's exit: give podman a moment
    for (let i = 0; i < 50 && ours().length > 0; i++) await new Promise((res) => setTimeout(res, 200));
    expect(ours()).toEqual([]);
  });

  it('Ctrl-C of lc run leaves no container running', async () => {
    const root = project('interrupt', 'echo started; sleep 60');
    const run = execa(process.execPath, [LC, 'run', '--plain'], {
      cwd: root,
      env: { ...env, NO_COLOR: '1' },
      reject: false,
    });
    let out = '';
    run.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    for (let i = 0; i < 100 && !(ours().length > 0 && out.includes('start ')); i++)
      await new Promise((res) => setTimeout(res, 100));
    expect(ours()).toHaveLength(1);
    run.kill('SIGINT');
    const r = await run;
    expect(r.exitCode).toBe(130);
    for (let i = 0; i < 50 && ours().length > 0; i++) await new Promise((res) => setTimeout(res, 200));
    expect(ours()).toEqual([]);
  });

  it('an image that cannot be had: refused before anything starts, naming the container', async () => {
    const root = writeProject(join(dir, 'missing'), {
      'astra.yaml': `id: p
version: "0.0.12"
name: podman
inputs: []
decisions: {}
outputs:
  - id: x
    type: data
    recipe: {command: "true", container: "localhost/no-such-image:1"}
`,
      'universes/u.yaml': 'id: u\ndecisions: {}\n',
    });
    const r = await lc(['run', '--plain'], { cwd: root, env });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/CONTAINER_UNAVAILABLE container localhost\/no-such-image:1 cannot be had with podman/);
  });
});
