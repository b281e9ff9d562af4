/**
 * Apptainer's side of lc: one content-addressed SIF per image in the scratch's images directory,
 * pulled for a reference, made from the OCI image for a Containerfile (built by the real podman,
 * archived), found again afterwards; recipes run through `apptainer exec` and the manifest
 * records the SIF's sha256.
 *
 * Apptainer cannot be installed on these machines (Debian packages neither apptainer nor
 * singularity), so `apptainer` here is a stand-in script on PATH that records its command lines,
 * writes the SIF it is asked for, and runs `exec`'s command on the host. What is checked is lc's
 * side: the command lines, the files, the records. podman is real.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lc, REPO, tempDir, writeProject } from '../helpers/lc.js';

let dir: string;
let cleanup: () => void;
let env: Record<string, string>;
let calls: string;

const STAND_IN = `#!/bin/sh
# records each call, one line of tab-separated arguments
printf '%s' "$1" >> "$LC_TEST_APPTAINER_LOG"; for a in "$@"; do [ "$a" = "$1" ] && continue; printf '\\t%s' "$a" >> "$LC_TEST_APPTAINER_LOG"; done; echo >> "$LC_TEST_APPTAINER_LOG"
case "$1" in
  pull) echo "sif pulled from $3" > "$2" ;;
  build) src=\${3#*://}; [ -s "$src" ] || { echo "no archive $src" >&2; exit 1; }; echo "sif built from an archive of $(wc -c < "$src") bytes" > "$2" ;;
  exec)
    shift; pwd=
    while [ $# -gt 0 ]; do case "$1" in --bind) shift 2 ;; --pwd) pwd=$2; shift 2 ;; --nv) shift ;; *) break ;; esac; done
    image=$1; shift
    cd "$pwd" && LC_TEST_IMAGE=$image exec "$@" ;;
  *) echo "stand-in apptainer: $1 not known" >&2; exit 2 ;;
esac
`;

beforeAll(() => {
  ({ dir, cleanup } = tempDir('lc-apptainer-'));
  const conf = execFileSync('bash', [join(REPO, 'scripts/container-base.sh')], { encoding: 'utf8' }).trim();
  const bin = join(dir, 'bin');
  writeProject(bin, { apptainer: STAND_IN });
  chmodSync(join(bin, 'apptainer'), 0o755);
  calls = join(dir, 'calls.log');
  env = {
    CONTAINERS_CONF: conf,
    LC_CONTAINER_RUNTIME: 'apptainer',
    LIGHTCONE_SCRATCH: join(dir, 'scratch'),
    LC_TEST_APPTAINER_LOG: calls,
    PATH: `${bin}:${process.env.PATH ?? ''}`,
  };
});
afterAll(() => cleanup());

const logged = (): string[][] =>
  existsSync(calls)
    ? readFileSync(calls, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split('\t'))
    : [];

function project(name: string, container: string, files: Record<string, string> = {}) {
  return writeProject(join(dir, name), {
    'astra.yaml': `id: p
version: "0.0.12"
name: apptainer
inputs: []
decisions: {}
outputs:
  - id: inside
    type: data
    recipe:
      command: 'echo "$LC_TEST_IMAGE" > {output}/image.txt'
      container: ${container}
`,
    'universes/u.yaml': 'id: u\ndecisions: {}\n',
    ...files,
  });
}

interface BuildDoc {
  images: { image: string; id: string; action: string }[];
}
const build = async (root: string, ...args: string[]) => {
  const r = await lc(['build', '--json', ...args], { cwd: root, env });
  expect(r.exitCode, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as BuildDoc).images[0];
};

describe('apptainer images (stand-in apptainer, real podman)', () => {
  it('a reference is pulled once to a SIF named by it; --force pulls again; the run records the SIF’s sha256', async () => {
    const root = project('reference', 'python:3.12-slim');
    const images = join(dir, 'scratch', '.lightcone', 'images');
    const first = await build(root);
    expect(first).toMatchObject({
      action: 'pulled',
      image: expect.stringMatching(/\/python-3\.12-slim-[0-9a-f]{12}\.sif$/),
    });
    expect(first?.image.startsWith(images)).toBe(true);
    // pulled beside its final name, which it takes by a rename
    expect(logged().map((c) => [c[0], c[2]])).toEqual([['pull', 'docker://python:3.12-slim']]);
    expect(logged()[0]?.[1]).toMatch(/\/\.lc-sif-[^/]+\/python-3\.12-slim-[0-9a-f]{12}\.sif$/);
    const sha = `sha256:${createHash('sha256')
      .update(readFileSync(first?.image as string))
      .digest('hex')}`;
    expect(first?.id).toBe(sha);
    expect(await build(root)).toEqual({ ...first, action: 'present' });
    expect(logged()).toHaveLength(1);
    expect((await build(root, '--force'))?.action).toBe('pulled');
    expect(logged()).toHaveLength(2);

    const r = await lc(['run', '--plain'], { cwd: root, env });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const exec = logged().at(-1) as string[];
    expect(exec.slice(0, 1)).toEqual(['exec']);
    expect(exec).toEqual(expect.arrayContaining(['--bind', root, '--pwd', root, first?.image, 'sh', '-c']));
    expect(readFileSync(join(root, 'results/u/inside/image.txt'), 'utf8').trim()).toBe(first?.image);
    const m = JSON.parse(readFileSync(join(root, 'results/u/inside/.lightcone-manifest.json'), 'utf8')) as Record<
      string,
      string
    >;
    expect(m).toMatchObject({ runtime: 'apptainer', container_image: 'python:3.12-slim', image_id: sha });
  });

  it('a Containerfile: built by podman under its tag, archived, made into <tag>.sif once', async () => {
    const root = project('built', 'env/Containerfile', {
      'env/Containerfile': 'FROM localhost/lc-test-base\nCOPY marker.txt /opt/marker.txt\n',
      'env/marker.txt': `apptainer ${Date.now()}\n`,
    });
    const before = logged().length;
    const first = await build(root);
    expect(first).toMatchObject({ action: 'built', image: expect.stringMatching(/\/lc-env-[0-9a-f]{12}\.sif$/) });
    const made = logged().slice(before);
    expect(made).toEqual([
      [
        'build',
        expect.stringMatching(/\/lc-env-[0-9a-f]{12}\.sif$/),
        expect.stringMatching(/^oci-archive:\/\/.*\/image\.tar$/),
      ],
    ]);
    expect(readFileSync(first?.image as string, 'utf8')).toMatch(/^sif built from an archive of \d+ bytes/);
    const tag = (first?.image.split('/').pop() as string).replace(/\.sif$/, '');
    expect(
      execFileSync('podman', ['image', 'exists', `localhost/${tag}`], {
        env: { ...process.env, CONTAINERS_CONF: env.CONTAINERS_CONF },
      }),
    ).toBeDefined();
    expect(await build(root)).toEqual({ ...first, action: 'present' });
    expect(logged()).toHaveLength(before + 1);
  });

  it('a SIF given by path is used as it is; one that does not exist is refused before anything runs', async () => {
    const sif = join(dir, 'mine.sif');
    writeProject(dir, { 'mine.sif': 'my own sif\n' });
    const root = project('given', sif);
    expect(await build(root)).toMatchObject({ action: 'as-is', image: sif, id: null });
    const missing = project('missing', join(dir, 'nowhere.sif'));
    const r = await lc(['run', '--plain'], { cwd: missing, env });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(
      /CONTAINER_UNAVAILABLE container .*nowhere\.sif cannot be had with apptainer: the SIF .*nowhere\.sif does not exist/,
    );
  });
});
