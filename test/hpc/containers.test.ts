/**
 * Containerised recipes on the Dask executor in a 2-node SLURM allocation: the image is built on
 * the submit host before any task starts (each node of the test cluster shares this host's
 * podman storage, as podman-hpc's migrated images are shared on Perlmutter), tasks run inside it
 * on both nodes and write into the project as the user, the manifests name the runtime and image,
 * and Ctrl-C of the run leaves no container on any node.
 *
 * Podman is the host's: this file runs in the Debian 12 lane only (vitest.config.ts); the Debian
 * 13 lane's Dask workers run inside its root, which has no container runtime.
 */
import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { lc, LC, REPO, tempDir, writeProject } from '../helpers/lc.js';
import { allocate, clusterEnv, killMatching, replicaSweep, waitFor, type Allocation } from './helpers.js';

let dir: string;
let cleanup: () => void;
let alloc: Allocation;
let conf: string;

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('lc-hpc-containers-'));
  conf = execFileSync('bash', [join(REPO, 'scripts/container-base.sh')], { encoding: 'utf8' }).trim();
  alloc = await allocate(2);
});
afterAll(async () => {
  await alloc?.release();
  killMatching(dir);
  cleanup();
});

const ours = (): string[] =>
  execFileSync('podman', ['ps', '-a', '--format', '{{.Names}}'], {
    encoding: 'utf8',
    env: { ...process.env, CONTAINERS_CONF: conf },
  })
    .split('\n')
    .filter((n) => n.startsWith('lc-'));

/** `n` universes of one output, each task taking a whole node, in the image of env/Containerfile. */
function project(name: string, n: number, command: string): string {
  const cpus = Number(clusterEnv().LC_CLUSTER_CPUS);
  return writeProject(join(dir, name), {
    ...replicaSweep(
      'boxed',
      'Boxed on two nodes',
      n,
      `  - id: inside
    type: data
    decisions: [rep]
    recipe:
      command: "${command}"
      container: env/Containerfile
      resources: {cpus: ${cpus}}
`,
    ),
    'env/Containerfile': 'FROM localhost/lc-test-base\nCOPY marker.txt /opt/marker.txt\n',
    'env/marker.txt': `only in the image of ${name}, ${Date.now()}\n`,
  });
}

function manifests(root: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const u of readdirSync(join(root, 'results')))
    out.push(
      JSON.parse(readFileSync(join(root, 'results', u, 'inside', '.lightcone-manifest.json'), 'utf8')) as Record<
        string,
        string
      >,
    );
  return out;
}

describe('containers on the Dask executor', () => {
  test('built once before the run, run inside on both nodes, recorded as such; no container is left', async () => {
    const root = project('runs', 4, 'cat /opt/marker.txt > {output}/seen.txt && id -u > {output}/uid.txt && sleep 1');
    const env = {
      ...alloc.env,
      CONTAINERS_CONF: conf,
      LC_CONTAINER_RUNTIME: 'podman',
      LIGHTCONE_SCRATCH: join(dir, 'scratch-runs'),
      NO_COLOR: '1',
    };
    const r = await lc(['run', '--plain'], { cwd: root, env });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.match(/image {2}built localhost\/lc-env-[0-9a-f]{12}/g)).toHaveLength(1);
    const marker = readFileSync(join(root, 'env/marker.txt'), 'utf8');
    const ms = manifests(root);
    expect(ms).toHaveLength(4);
    expect(new Set(ms.map((m) => m.host))).toEqual(new Set(['node1', 'node2']));
    for (const m of ms)
      expect(m).toMatchObject({
        executor: 'dask',
        runtime: 'podman',
        container_image: 'env/Containerfile',
        image_id: expect.stringMatching(/^sha256:/),
      });
    for (const u of readdirSync(join(root, 'results'))) {
      expect(readFileSync(join(root, 'results', u, 'inside', 'seen.txt'), 'utf8')).toBe(marker);
      expect(readFileSync(join(root, 'results', u, 'inside', 'uid.txt'), 'utf8').trim()).toBe(
        String(process.getuid?.()),
      );
    }
    expect(ours()).toEqual([]);
    await lc(['scheduler', 'stop'], { cwd: root, env });
  });

  test('Ctrl-C of lc run removes the containers its tasks were running on both nodes', async () => {
    const root = project('cancel', 2, 'sleep 120');
    const env = {
      ...alloc.env,
      CONTAINERS_CONF: conf,
      LC_CONTAINER_RUNTIME: 'podman',
      LIGHTCONE_SCRATCH: join(dir, 'scratch-cancel'),
      NO_COLOR: '1',
    };
    const run = execa(process.execPath, [LC, 'run', '--plain'], {
      cwd: root,
      env,
      reject: false,
      all: true,
      timeout: 170_000,
    });
    let out = '';
    run.all?.on('data', (d: Buffer) => (out += d.toString()));
    expect(await waitFor(() => (out.match(/ start /g) ?? []).length >= 2 && ours().length >= 2, 120_000), out).toBe(
      true,
    );
    run.kill('SIGINT');
    const r = await run;
    expect(r.exitCode, out).toBe(130);
    expect(await waitFor(() => ours().length === 0, 30_000), ours().join(' ')).toBe(true);
    await lc(['scheduler', 'stop'], { cwd: root, env });
  });
});
