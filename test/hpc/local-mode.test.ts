/**
 * The session scheduler outside SLURM (local mode): loopback-only TLS scheduler, one worker
 * with this machine's resources, GPU ids handed to tasks one by one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createDaskExecutor, type DaskExecutor } from '../../engine/executors/dask/index.js';
import { stopScheduler } from '../../engine/scheduler/index.js';
import { tempDir } from '../helpers/lc.js';
import { isAlive, killMatching, processesMatching, waitFor } from './helpers.js';

let dir: string;
let cleanup: () => void;
let env: Record<string, string>;
let ex: DaskExecutor;

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('lc-hpc-local-'));
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('SLURM') && k !== 'DASK_SCHEDULER_ADDRESS'),
  ) as Record<string, string>;
  // a machine whose visible GPUs are 4 and 5
  env = { ...base, LIGHTCONE_SCRATCH: join(dir, 'scratch'), CUDA_VISIBLE_DEVICES: '4,5' };
  ex = await createDaskExecutor({ projectRoot: dir, env });
});

afterAll(async () => {
  await ex?.close();
  await stopScheduler({ projectRoot: dir, env }).catch(() => undefined);
  killMatching(dir);
  cleanup();
});

test('local mode: the scheduler listens on loopback only, over TLS', async () => {
  expect(ex.session.mode).toBe('local');
  expect(ex.session.address).toMatch(/^tls:\/\/127\.0\.0\.1:\d+$/);
  const cap = await ex.capacity();
  expect(cap).toHaveLength(1);
  expect(cap[0]?.gpus).toBe(2);
});

test('each GPU task gets its own GPU id; a task without GPUs sees none', async () => {
  const mk = (id: string, gpus: number) =>
    ex.submit({
      id,
      command: `echo "$CUDA_VISIBLE_DEVICES" > ${id}.gpu; sleep 1`,
      cwd: dir,
      env: {},
      resources: { cpus: 0.5, gpus },
      logPath: join(dir, 'logs', `${id}.log`),
    });
  const rs = await Promise.all([mk('g1', 1), mk('g2', 1), mk('none', 0)]);
  for (const r of rs) expect(r).toMatchObject({ reason: 'exit', exitCode: 0 });
  const ids = ['g1', 'g2'].map((id) => readFileSync(join(dir, `${id}.gpu`), 'utf8').trim()).sort();
  expect(ids).toEqual(['4', '5']);
  expect(readFileSync(join(dir, 'none.gpu'), 'utf8').trim()).toBe('');
});

test('stop while a task runs: the task’s processes end with the session, nothing is left', async () => {
  const pidFile = join(dir, 'long.pid');
  const running = ex
    .submit({
      id: 'long',
      command: `sleep 120 & echo $! > ${pidFile}; wait`,
      cwd: dir,
      env: {},
      resources: { cpus: 1, gpus: 0 },
      logPath: join(dir, 'logs', 'long.log'),
    })
    .catch((e: Error) => e);
  expect(await waitFor(() => existsSync(pidFile), 20_000)).toBe(true);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  const t0 = Date.now();
  const r = await stopScheduler({ projectRoot: dir, env });
  expect(r.stopped).toBe(true);
  expect(Date.now() - t0).toBeLessThan(20_000);
  expect(await waitFor(() => !isAlive(pid), 5_000)).toBe(true);
  await running; // settled one way or the other: the executor lost its scheduler
  expect(processesMatching(join(dir, 'scratch'))).toEqual([]);
  await ex.close();
});
