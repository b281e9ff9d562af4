/**
 * Recipes that really run in their containers, with podman (rootful, as CI runs): the image is
 * built under its content-addressed tag before any task starts, the recipe sees the image's
 * files and writes into the project, the manifest names the runtime and the image it ran, and a
 * time limit or Ctrl-C leaves no container behind. The base image is made offline by
 * scripts/container-base.sh (podman missing: these tests fail, they do not skip).
 */
import { execa } from 'execa';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wrapCommand } from '../../engine/containers/wrap.js';
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
const settle = async () => {
  for (let i = 0; i < 50 && ours().length > 0; i++) await new Promise((res) => setTimeout(res, 200));
};

/** One output in `env/Containerfile`, whose image holds /opt/marker.txt (each project its own bytes: its own image). */
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
    'env/marker.txt': `only in the image of ${name}, ${Date.now()}\n`,
  });
}

interface BuildDoc {
  runtime: string;
  images: { image: string; id: string; action: string }[];
}

describe('recipes in podman containers', () => {
  it('built under its tag before the run; the recipe runs inside and writes into the project; the manifest says so', async () => {
    const root = project('runs', 'cat /opt/marker.txt > {output}/seen.txt');
    const r = await lc(['run', '--plain'], { cwd: root, env });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const marker = readFileSync(join(root, 'env/marker.txt'), 'utf8');
    expect(readFileSync(join(root, 'results/u/inside/seen.txt'), 'utf8')).toBe(marker);
    const manifest = readFileSync(join(root, 'results/u/inside/.lightcone-manifest.json'), 'utf8');
    const m = JSON.parse(manifest) as Record<string, string>;
    expect(m).toMatchObject({ container_image: 'env/Containerfile', runtime: 'podman' });
    // it was built before the run: now it is there, under the tag lc build names, with that id
    const b = JSON.parse((await lc(['build', '--json'], { cwd: root, env })).stdout) as BuildDoc;
    expect(b.images[0]).toMatchObject({
      action: 'present',
      id: m.image_id,
      image: expect.stringMatching(/^localhost\/lc-env-[0-9a-f]{12}$/),
    });
    expect(`sha256:${podman('image', 'inspect', '--format', '{{.Id}}', b.images[0]?.image as string).trim()}`).toBe(
      m.image_id,
    );
    expect(ours()).toEqual([]);
    const st = JSON.parse((await lc(['status', '--json'], { cwd: root, env })).stdout) as {
      tasks: { state: string; notes: string[] }[];
    };
    expect(st.tasks[0]).toMatchObject({ state: 'ok', notes: [] });
  });

  it('the object form: its context and build args reach the build, which sees only what the tag covers; progress is shown', async () => {
    const root = writeProject(join(dir, 'object'), {
      'astra.yaml': `id: p
version: "0.0.12"
name: object form
inputs: []
decisions: {}
container: {build: images/fit.Containerfile, context: src, args: {GREETING: hello, LEVEL: 3}}
outputs:
  - id: inside
    type: data
    recipe:
      command: "cat /opt/greeting > {output}/greeting.txt && ls -A /opt/src > {output}/seen.txt"
`,
      'universes/u.yaml': 'id: u\ndecisions: {}\n',
      'images/fit.Containerfile':
        'FROM localhost/lc-test-base\nARG GREETING\nARG LEVEL\nRUN mkdir -p /opt && echo "$GREETING $LEVEL" > /opt/greeting\nCOPY . /opt/src/\n',
      'src/.containerignore': 'notes.txt\n',
      'src/fit.py': `print(${Date.now()})\n`,
      'src/notes.txt': 'not in the image\n',
    });
    const r = await lc(['run', '--plain'], { cwd: root, env });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /image {2}building \{"args":\{"GREETING":"hello","LEVEL":"3"\},"build":"images\/fit.Containerfile","context":"src"\} -> localhost\/lc-fit-[0-9a-f]{12} \(podman\)/,
    );
    expect(r.stdout).toMatch(/image {2}STEP 1\/5: FROM localhost\/lc-test-base/);
    expect(r.stdout).toMatch(/image {2}built localhost\/lc-fit-[0-9a-f]{12} in /);
    expect(readFileSync(join(root, 'results/u/inside/greeting.txt'), 'utf8')).toBe('hello 3\n');
    expect(readFileSync(join(root, 'results/u/inside/seen.txt'), 'utf8').split('\n').filter(Boolean).sort()).toEqual([
      '.containerignore',
      'fit.py',
    ]);
    const m = JSON.parse(readFileSync(join(root, 'results/u/inside/.lightcone-manifest.json'), 'utf8')) as {
      container_files: Record<string, string>;
    };
    expect(Object.keys(m.container_files).sort()).toEqual([
      'images/fit.Containerfile',
      'src/.containerignore',
      'src/fit.py',
    ]);
    // another build arg is another image: the output is stale, and says why
    writeFileSync(
      join(root, 'astra.yaml'),
      readFileSync(join(root, 'astra.yaml'), 'utf8').replace('LEVEL: 3', 'LEVEL: 4'),
    );
    const st = JSON.parse((await lc(['status', '--json'], { cwd: root, env })).stdout) as {
      tasks: { state: string; reasons: { kind: string }[] }[];
    };
    expect(st.tasks[0]?.state).toBe('stale');
  });

  it('a reference that comes to name another image makes its outputs stale once lc has looked (lc build)', async () => {
    const ref = `localhost/lc-test-ref-${Date.now()}:1`;
    podman('tag', 'localhost/lc-test-base', ref);
    const root = writeProject(join(dir, 'reference'), {
      'astra.yaml': `id: p
version: "0.0.12"
name: reference
inputs: []
decisions: {}
outputs:
  - id: inside
    type: data
    recipe: {command: "ls /bin > {output}/bin.txt", container: "${ref}"}
`,
      'universes/u.yaml': 'id: u\ndecisions: {}\n',
    });
    const status = async () =>
      (
        JSON.parse((await lc(['status', '--json'], { cwd: root, env })).stdout) as {
          tasks: { state: string; reasons: { detail: string }[] }[];
        }
      ).tasks[0];
    expect((await lc(['run', '--plain'], { cwd: root, env })).exitCode).toBe(0);
    const m = JSON.parse(readFileSync(join(root, 'results/u/inside/.lightcone-manifest.json'), 'utf8')) as Record<
      string,
      string
    >;
    const base = `sha256:${podman('image', 'inspect', '--format', '{{.Id}}', 'localhost/lc-test-base').trim()}`;
    expect(m).toMatchObject({ container_image: ref, resolved_image: ref, image_id: base });
    expect((await status())?.state).toBe('ok');
    // the tag moves to another image; lc learns it when it looks again
    const ctx = join(dir, 'reference-next');
    writeProject(ctx, { Containerfile: 'FROM localhost/lc-test-base\nRUN touch /bin/new-tool\n' });
    podman('build', '-q', '-t', ref, ctx);
    const next = `sha256:${podman('image', 'inspect', '--format', '{{.Id}}', ref).trim()}`;
    expect((await lc(['build'], { cwd: root, env })).exitCode).toBe(0);
    expect(await status()).toMatchObject({
      state: 'stale',
      reasons: [{ detail: `container ${ref} now names image ${next.slice(7, 19)} (ran in ${base.slice(7, 19)})` }],
    });
    expect((await lc(['run', '--plain'], { cwd: root, env })).exitCode).toBe(0);
    expect(readFileSync(join(root, 'results/u/inside/bin.txt'), 'utf8')).toMatch(/new-tool/);
    expect((await status())?.state).toBe('ok');
    podman('rmi', ref);
  });

  it('lc build: built once under its tag, then present; --force builds again; a copied file moves the tag', async () => {
    const root = project('build', 'true');
    const build = async (...args: string[]) => {
      const r = await lc(['build', '--json', ...args], { cwd: root, env });
      expect(r.exitCode, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as BuildDoc).images[0];
    };
    const first = await build();
    expect(first).toMatchObject({ action: 'built', image: expect.stringMatching(/^localhost\/lc-env-[0-9a-f]{12}$/) });
    expect(await build()).toEqual({ ...first, action: 'present' });
    expect((await build('--force'))?.image).toBe(first?.image);
    writeFileSync(join(root, 'env/marker.txt'), `other bytes, ${Date.now()}\n`);
    const moved = await build();
    expect(moved?.action).toBe('built');
    expect(moved?.image).not.toBe(first?.image);
  });

  it('lc run --no-build refuses an image that is not built yet, and runs once lc build made it', async () => {
    const root = project('nobuild', 'cat /opt/marker.txt > {output}/seen.txt');
    const refused = await lc(['run', '--plain', '--no-build'], { cwd: root, env });
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(
      /CONTAINER_UNAVAILABLE container env\/Containerfile cannot be had with podman: localhost\/lc-env-[0-9a-f]{12} is not built \(lc build builds it\)/,
    );
    expect((await lc(['build'], { cwd: root, env })).exitCode).toBe(0);
    expect((await lc(['run', '--plain', '--no-build'], { cwd: root, env })).exitCode).toBe(0);
  });

  it('a time limit stops the container, not only its client', async () => {
    const root = project('limit', 'sleep 60', '\n      resources: {time_limit: 2s}');
    const r = await lc(['run', '--plain'], { cwd: root, env });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/time limit/);
    await settle(); // the removal runs beside lc's exit
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
    expect((await run).exitCode).toBe(130);
    await settle();
    expect(ours()).toEqual([]);
  });

  it('the wrapped line removes its container when its group is told to stop, as a Dask worker stops a task', async () => {
    const root = project('trap', 'true');
    const image = (JSON.parse((await lc(['build', '--json'], { cwd: root, env })).stdout) as BuildDoc).images[0]
      ?.image as string;
    const name = `lc-trap-${Date.now()}`;
    const line = wrapCommand({
      runtime: 'podman',
      image,
      command: 'sleep 60',
      root,
      mounts: [],
      env: [],
      gpus: false,
      name,
      uid: 0,
      gid: 0,
    });
    const child = spawn('sh', ['-c', line], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, CONTAINERS_CONF: env.CONTAINERS_CONF },
    });
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    for (let i = 0; i < 100 && !ours().includes(name); i++) await new Promise((res) => setTimeout(res, 100));
    expect(ours()).toContain(name);
    const t0 = Date.now();
    process.kill(-(child.pid as number), 'SIGTERM');
    expect(await exited).toBe(143);
    expect(ours()).not.toContain(name);
    expect(Date.now() - t0).toBeLessThan(5000); // removed at once, not after podman's 10 s stop timeout
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
    // the pull is tried (and said), no task starts
    expect(r.stdout).toMatch(/image {2}pulling localhost\/no-such-image:1 -> localhost\/no-such-image:1 \(podman\)/);
    expect(r.stdout).not.toMatch(/ start /);
    expect(r.stderr).toMatch(/CONTAINER_UNAVAILABLE container localhost\/no-such-image:1 cannot be had with podman/);
  });

  it('an exported job runs in the container and records the image it ran in', async () => {
    const root = project('job', 'cat /opt/marker.txt > {output}/seen.txt');
    const jobDir = join(dir, 'job-podman');
    const ex = await lc(['export', 'job', 'u/inside', '--to', jobDir], { cwd: root, env });
    expect(ex.exitCode, ex.stderr).toBe(0);
    const r = await execa('sh', [join(jobDir, 'run.sh')], { env, reject: false, all: true });
    expect(r.exitCode, String(r.all)).toBe(0);
    expect(readFileSync(join(root, 'results/u/inside/seen.txt'), 'utf8')).toBe(
      readFileSync(join(root, 'env/marker.txt'), 'utf8'),
    );
    const m = JSON.parse(readFileSync(join(root, 'results/u/inside/.lightcone-manifest.json'), 'utf8')) as Record<
      string,
      string
    >;
    const job = JSON.parse(readFileSync(join(jobDir, 'job.json'), 'utf8')) as {
      container: { image: string; id: string };
    };
    expect(m).toMatchObject({
      executor: 'job',
      runtime: 'podman',
      container_image: 'env/Containerfile',
      image_id: job.container.id,
    });
    expect(`sha256:${podman('image', 'inspect', '--format', '{{.Id}}', job.container.image).trim()}`).toBe(m.image_id);
    await settle();
    expect(ours()).toEqual([]);
  });
});
