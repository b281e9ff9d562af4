/** The command lines each runtime gets (podman is run for real in podman.test.ts; the others are not installable here). */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { removeArgv, wrapArgv, wrapCommand, type WrapOptions } from '../../engine/containers/wrap.js';

const base: Omit<WrapOptions, 'runtime'> = {
  image: 'localhost/lc-env-0123456789ab',
  command: "python3 fit.py 'a b' > results/u/fit/x",
  root: '/p',
  mounts: ['/scratch'],
  env: ['LIGHTCONE_TASK_ID', 'CUDA_VISIBLE_DEVICES'],
  gpus: false,
  name: 'lc-run-1',
  uid: 1000,
  gid: 100,
};

describe('wrapArgv', () => {
  it('podman (rootless): keep-id, the node’s network, the project at its own path as working dir, variables by name', () => {
    expect(wrapArgv({ ...base, runtime: 'podman' })).toEqual([
      'podman',
      'run',
      '--rm',
      '--name',
      'lc-run-1',
      '--network=host',
      '--userns=keep-id',
      '-v',
      '/p:/p',
      '-v',
      '/scratch:/scratch',
      '-w',
      '/p',
      '-e',
      'LIGHTCONE_TASK_ID',
      '-e',
      'CUDA_VISIBLE_DEVICES',
      'localhost/lc-env-0123456789ab',
      'sh',
      '-c',
      base.command,
    ]);
  });

  it('rootful podman and docker run as the user ids; GPUs through CDI or --gpus', () => {
    expect(wrapArgv({ ...base, runtime: 'podman', uid: 0, gid: 0, gpus: true })).toEqual(
      expect.arrayContaining(['--user', '0:0', '--device', 'nvidia.com/gpu=all']),
    );
    const docker = wrapArgv({ ...base, runtime: 'docker', gpus: true });
    expect(docker.slice(0, 8)).toEqual([
      'docker',
      'run',
      '--rm',
      '--name',
      'lc-run-1',
      '--network=host',
      '--user',
      '1000:100',
    ]);
    expect(docker).toEqual(expect.arrayContaining(['--gpus', 'all']));
    expect(wrapArgv({ ...base, runtime: 'podman-hpc' })[0]).toBe('podman-hpc');
  });

  it('apptainer: exec with binds and --pwd, --nv for GPUs, the host environment passing through', () => {
    expect(wrapArgv({ ...base, runtime: 'apptainer', gpus: true })).toEqual([
      'apptainer',
      'exec',
      '--bind',
      '/p',
      '--bind',
      '/scratch',
      '--pwd',
      '/p',
      '--nv',
      'localhost/lc-env-0123456789ab',
      'sh',
      '-c',
      base.command,
    ]);
    expect(wrapArgv({ ...base, runtime: 'singularity' })[0]).toBe('singularity');
  });

  it('one shell line, quoted so the recipe reaches sh -c intact; removal where a daemon keeps containers', () => {
    // what sh makes of the line: the runtime's argv, the recipe as one argument
    const line = wrapCommand({ ...base, runtime: 'podman' }).replace(/; podman run /, "; printf '%s\\n' run ");
    const argv = execFileSync('sh', ['-c', line], { encoding: 'utf8' }).trimEnd().split('\n');
    expect(argv).toEqual(wrapArgv({ ...base, runtime: 'podman' }).slice(1));
    // a daemon's container is removed when the line is told to stop; apptainer's is the process itself
    expect(line).toMatch(/^trap '.*podman rm -f -t 0 --ignore lc-run-1 .*' TERM INT HUP; /);
    expect(wrapCommand({ ...base, runtime: 'apptainer' })).toMatch(/^apptainer exec /);
    expect(removeArgv('podman', 'lc-run-1')).toEqual(['podman', 'rm', '-f', '-t', '0', '--ignore', 'lc-run-1']);
    expect(removeArgv('docker', 'lc-run-1')).toEqual(['docker', 'rm', '-f', 'lc-run-1']);
    expect(removeArgv('apptainer', 'lc-run-1')).toBeNull();
  });
});
