/**
 * Which runtime runs declared containers: LC_CONTAINER_RUNTIME, the project's
 * .lightcone/lightcone.yaml, the user's ~/.lightcone/config.yaml, else the first found on PATH,
 * HPC runtimes first.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseRuntime } from '../../engine/containers/runtime.js';
import { tempDir } from '../helpers/lc.js';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

function setup(files: Record<string, string>, bins: string[] = []) {
  const t = tempDir('lc-runtime-');
  cleanup = t.cleanup;
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(t.dir, rel, '..'), { recursive: true });
    writeFileSync(join(t.dir, rel), text);
  }
  const bin = join(t.dir, 'bin');
  mkdirSync(bin);
  for (const b of bins) {
    writeFileSync(join(bin, b), '#!/bin/sh\nexit 0\n');
    chmodSync(join(bin, b), 0o755);
  }
  return { root: join(t.dir, 'project'), env: { HOME: join(t.dir, 'home'), PATH: bin } };
}

describe('chooseRuntime', () => {
  it('auto: the first found on PATH, HPC runtimes before podman and docker; none found: null', () => {
    const a = setup({ 'project/astra.yaml': '' }, ['docker', 'podman', 'apptainer']);
    expect(chooseRuntime(a.root, a.env)).toEqual({ runtime: 'apptainer', why: 'found apptainer on PATH' });
    const b = setup({ 'project/astra.yaml': '' });
    expect(chooseRuntime(b.root, b.env).runtime).toBeNull();
  });

  it('the user’s ~/.lightcone/config.yaml, the project’s file over it, LC_CONTAINER_RUNTIME over both', () => {
    const { root, env } = setup(
      { 'project/astra.yaml': '', 'home/.lightcone/config.yaml': 'container:\n  runtime: none\n' },
      ['podman'],
    );
    expect(chooseRuntime(root, env)).toEqual({
      runtime: 'none',
      why: `container.runtime: none in ${env.HOME}/.lightcone/config.yaml`,
    });
    mkdirSync(join(root, '.lightcone'));
    writeFileSync(join(root, '.lightcone/lightcone.yaml'), 'container: {runtime: docker}\n');
    expect(chooseRuntime(root, env).runtime).toBe('docker');
    // auto in the project's file means auto, whatever the user's file says
    writeFileSync(join(root, '.lightcone/lightcone.yaml'), 'container: {runtime: auto}\n');
    expect(chooseRuntime(root, env)).toEqual({ runtime: 'podman', why: 'found podman on PATH' });
    expect(chooseRuntime(root, { ...env, LC_CONTAINER_RUNTIME: 'singularity' }).runtime).toBe('singularity');
  });

  it('a bad value names the file, line and field', () => {
    const { root, env } = setup({
      'project/astra.yaml': '',
      'home/.lightcone/config.yaml': '# mine\ncontainer:\n  runtime: rkt\n',
    });
    expect(() => chooseRuntime(root, env)).toThrow(
      `${env.HOME}/.lightcone/config.yaml:3: container.runtime: must be one of auto, podman-hpc, podman, docker, apptainer, singularity, none`,
    );
  });
});
