/**
 * The pure parts of the scheduler and Dask executor: durations, settings, context (mode, key,
 * bind host), the login-node guard, resource fitting, and pid identity through /proc.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { admitWindow, daskResources, whyDoesNotFit } from '../../engine/executors/dask/executor.js';
import { LcError } from '../../engine/errors.js';
import { parseDuration, readSchedulerSettings } from '../../engine/scheduler/config.js';
import { checkLoginNode, schedulerContext } from '../../engine/scheduler/context.js';
import { isOurProcess, procStartTime, waitGone } from '../../engine/scheduler/proc.js';
import { tempDir } from '../helpers/lc.js';
import { waitFor } from './helpers.js';

const { dir, cleanup } = tempDir('lc-hpc-units-');
afterAll(cleanup);

describe('durations and settings', () => {
  test('parseDuration', () => {
    expect(parseDuration(90)).toBe(90);
    expect(parseDuration('1800')).toBe(1800);
    expect(parseDuration('90s')).toBe(90);
    expect(parseDuration('30m')).toBe(1800);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('2h')).toBe(7200);
    expect(parseDuration('1d')).toBe(86400);
    expect(parseDuration('00:30:00')).toBe(1800);
    for (const bad of ['', 'soon', '-5', 0, '30 minutes']) expect(parseDuration(bad)).toBeUndefined();
  });

  test('settings: defaults, file, then environment', () => {
    const p = join(dir, 'settings');
    mkdirSync(join(p, '.lightcone'), { recursive: true });
    expect(readSchedulerSettings(p, {})).toEqual({ idleTimeoutS: 1800 });
    writeFileSync(
      join(p, '.lightcone', 'lightcone.yaml'),
      'scratch_root: /x\npython: /opt/py/bin/python3\nscheduler:\n  idle_timeout: 10m\n',
    );
    expect(readSchedulerSettings(p, {})).toMatchObject({ idleTimeoutS: 600, python: '/opt/py/bin/python3' });
    expect(readSchedulerSettings(p, { LC_PYTHON: '/usr/bin/python3', LC_SCHEDULER_IDLE_TIMEOUT: '45' })).toMatchObject({
      idleTimeoutS: 45,
      python: '/usr/bin/python3',
      pythonSource: 'LC_PYTHON',
    });
    expect(() => readSchedulerSettings(p, { LC_SCHEDULER_IDLE_TIMEOUT: 'later' })).toThrow(
      /LC_SCHEDULER_IDLE_TIMEOUT='later'/,
    );
    writeFileSync(join(p, '.lightcone', 'lightcone.yaml'), 'python: 3\n');
    expect(() => readSchedulerSettings(p, {})).toThrow(/lightcone\.yaml:1: python:/);
  });
});

describe('context', () => {
  test('external, slurm (key per job, the node chooses its address) and local (key per project, loopback)', () => {
    const p = join(dir, 'ctx');
    const scratch = join(dir, 'scratch');
    expect(schedulerContext(p, { DASK_SCHEDULER_ADDRESS: 'tcp://h:1', SLURM_JOB_ID: '5' })).toEqual({
      mode: 'external',
      key: 'external',
      address: 'tcp://h:1',
    });
    const s = schedulerContext(p, {
      LIGHTCONE_SCRATCH: scratch,
      SLURM_JOB_ID: '42',
      SLURM_JOB_NUM_NODES: '3',
      SLURMD_NODENAME: 'nid001',
    });
    expect(s).toMatchObject({ mode: 'slurm', key: 'slurm-42', expectedWorkers: 3 });
    // never the name of the host lc runs on: it may resolve to loopback there (lc_network.py)
    expect(s.mode === 'slurm' && s.bindHost).toBe(undefined);
    if (s.mode !== 'external') expect(s.files.dir).toBe(join(scratch, '.lightcone', 'scheduler', 'slurm-42'));
    // two projects in one allocation share it
    expect(schedulerContext(join(dir, 'other'), { LIGHTCONE_SCRATCH: scratch, SLURM_JOB_ID: '42' }).key).toBe(
      'slurm-42',
    );
    expect(schedulerContext(p, { LIGHTCONE_SCRATCH: scratch, SLURM_JOB_ID: '42' })).toMatchObject({
      expectedWorkers: 1,
    });
    const l = schedulerContext(p, { LIGHTCONE_SCRATCH: scratch });
    expect(l).toMatchObject({ mode: 'local', bindHost: '127.0.0.1', expectedWorkers: 1 });
    expect(l.key).toMatch(/^[0-9a-f]{12}$/);
    expect(() => schedulerContext(p, { SLURM_JOB_ID: '../../etc' })).toThrow(LcError);
  });

  test('Perlmutter guard', () => {
    expect(() => checkLoginNode({ NERSC_HOST: 'perlmutter' })).toThrow(/login node/);
    expect(() => checkLoginNode({ NERSC_HOST: 'perlmutter', SLURM_JOB_ID: '1' })).not.toThrow();
    expect(() => checkLoginNode({ NERSC_HOST: 'perlmutter', DASK_SCHEDULER_ADDRESS: 'tls://x:1' })).not.toThrow();
    expect(() => checkLoginNode({ NERSC_HOST: 'perlmutter', LIGHTCONE_ALLOW_LOGIN_NODE: '1' })).not.toThrow();
    expect(() => checkLoginNode({ NERSC_HOST: 'frontier' })).not.toThrow();
  });
});

describe('resources', () => {
  const nodes = [
    { host: 'a', cpus: 4, memoryBytes: 8e9, gpus: 0 },
    { host: 'b', cpus: 2, memoryBytes: 16e9, gpus: 1 },
  ];
  test('only positive amounts are sent to Dask', () => {
    expect(daskResources({ cpus: 1, gpus: 0 })).toEqual({ cpus: 1 });
    expect(daskResources({ cpus: 0.5, gpus: 2, memoryBytes: 1e9 })).toEqual({ cpus: 0.5, gpus: 2, memory: 1e9 });
    expect(daskResources({ cpus: 0, gpus: 0, memoryBytes: 0 })).toEqual({});
  });
  test('does-not-fit is judged against the largest node per resource', () => {
    expect(whyDoesNotFit({ cpus: 4, gpus: 1, memoryBytes: 16e9 }, nodes)).toBeUndefined();
    expect(whyDoesNotFit({ cpus: 5, gpus: 0 }, nodes)).toMatch(/cpus=5.*offers 4/);
    expect(whyDoesNotFit({ cpus: 1, gpus: 2 }, nodes)).toMatch(/gpus=2/);
    expect(whyDoesNotFit({ cpus: 1, gpus: 0, memoryBytes: 2e10 }, nodes)).toMatch(/memory/);
    expect(whyDoesNotFit({ cpus: 99, gpus: 9 }, [])).toBeUndefined(); // no workers yet: Dask waits for one
  });
  test('the admission window keeps every worker fed', () => {
    expect(admitWindow(4)).toBe(64);
    expect(admitWindow(64)).toBe(512);
  });
});

describe('process identity', () => {
  test('a pid is ours only while start time and command line match', async () => {
    const child = spawn('sh', ['-c', 'sleep 30; :', 'lc-identity-marker']);
    const pid = child.pid as number;
    // between fork and exec the command line is still node's
    expect(await waitFor(() => isOurProcess(pid, ['lc-identity-marker']), 5_000, 20)).toBe(true);
    const st = procStartTime(pid);
    expect(st).toMatch(/^\d+$/);
    expect(isOurProcess(pid, ['lc-identity-marker'], st)).toBe(true);
    expect(isOurProcess(pid, ['something-else'], st)).toBe(false);
    expect(isOurProcess(pid, ['lc-identity-marker'], String(Number(st) + 1))).toBe(false); // a reused pid
    child.kill('SIGKILL');
    expect(await waitGone(pid, st, 5_000)).toBe(true);
    expect(isOurProcess(pid, ['lc-identity-marker'], st)).toBe(false);
  });
});
