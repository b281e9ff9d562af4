/**
 * The session scheduler on the real 2-node SLURM test cluster, through the built `lc`:
 * start/status/reuse/stop, crash recovery, idle timeout, TLS refusal, external mode, errors.
 */
import { execa } from 'execa';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LC, lc, tempDir, writeProject } from '../helpers/lc.js';
import {
  allocate,
  clusterEnv,
  killMatching,
  probeProject,
  processesMatching,
  PY,
  waitFor,
  type Allocation,
} from './helpers.js';

let dir: string;
let cleanup: () => void;
let alloc: Allocation;
let project: string;
let scratch: string;

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('lc-hpc-sched-'));
  project = join(dir, 'proj');
  scratch = join(dir, 'scratch');
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'astra.yaml'), 'id: p\nversion: "0.0.12"\n');
  alloc = await allocate(2);
});

afterAll(async () => {
  await lc(['scheduler', 'stop'], { cwd: project, env: env() });
  await alloc?.release();
  killMatching(dir);
  cleanup();
});

const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  ...alloc.env,
  LIGHTCONE_SCRATCH: scratch,
  ...extra,
});
const stateDir = (): string => join(scratch, '.lightcone', 'scheduler', `slurm-${alloc.jobId}`);
const meta = (): Record<string, unknown> =>
  JSON.parse(readFileSync(join(stateDir(), 'meta.json'), 'utf8')) as Record<string, unknown>;
const workerAddrs = (): string[] =>
  (JSON.parse(readFileSync(join(stateDir(), 'activity.json'), 'utf8')) as { workers: { address: string }[] }).workers
    .map((w) => w.address)
    .sort();

describe('session scheduler in a SLURM allocation', () => {
  test('start: one worker per node advertising the node; status; a second start reuses it; stop leaves nothing', async () => {
    const r1 = await lc(['scheduler', 'start'], { cwd: project, env: env() });
    expect(r1.exitCode, r1.stderr).toBe(0);
    expect(r1.stderr).toContain('starting a slurm Dask scheduler (2 workers)');
    expect(r1.stdout).toMatch(/^started slurm scheduler tls:\/\//);
    const m1 = meta();
    expect(m1).toMatchObject({
      version: 1,
      mode: 'slurm',
      key: `slurm-${alloc.jobId}`,
      state: 'ready',
      expectedWorkers: 2,
    });
    // state dir and its secrets are private
    expect(readdirSync(join(stateDir(), 'tls')).sort()).toEqual(['ca.pem', 'cert.pem', 'key.pem']);
    for (const f of ['ca.pem', 'cert.pem', 'key.pem'])
      expect((await import('node:fs')).statSync(join(stateDir(), 'tls', f)).mode & 0o777).toBe(0o600);
    expect((await import('node:fs')).statSync(stateDir()).mode & 0o777).toBe(0o700);

    const st = await lc(['scheduler', 'status', '--json'], { cwd: project, env: env() });
    expect(st.exitCode, st.stderr).toBe(0);
    const s = JSON.parse(st.stdout) as {
      running: boolean;
      mode: string;
      address: string;
      workers: { host: string; cpus_total: number; memory_total_bytes: number; gpus_total: number }[];
      idle_left_s: number;
    };
    expect(s).toMatchObject({ running: true, mode: 'slurm', address: m1.address });
    expect(s.workers.map((w) => w.host).sort()).toEqual(['node1', 'node2']);
    const cpus = Number(clusterEnv().LC_CLUSTER_CPUS);
    const memMb = Number(clusterEnv().LC_CLUSTER_MEM_MB);
    for (const w of s.workers) {
      expect(w.cpus_total).toBe(cpus); // --exclusive: every cpu of the node
      expect(w.memory_total_bytes).toBe(memMb * 1024 * 1024);
      expect(w.gpus_total).toBe(0);
    }
    expect(s.idle_left_s).toBeGreaterThan(60);
    const text = await lc(['scheduler', 'status'], { cwd: project, env: env() });
    expect(text.stdout).toMatch(/workers:\s+2 of 2/);
    expect(text.stdout).toMatch(/node1\s+cpu/);

    const addrs = workerAddrs();
    const r2 = await lc(['scheduler', 'start'], { cwd: project, env: env() });
    expect(r2.stdout).toMatch(/^already running: slurm scheduler/);
    expect(meta()).toEqual(m1); // same supervisor, same start
    expect(workerAddrs()).toEqual(addrs); // no new workers

    const stop = await lc(['scheduler', 'stop'], { cwd: project, env: env() });
    expect(stop.exitCode, stop.stderr).toBe(0);
    expect(stop.stdout).toContain('stopped the slurm scheduler');
    expect(processesMatching(stateDir())).toEqual([]);
    expect(existsSync(stateDir())).toBe(false);
    // the srun step is gone too
    const steps = await execa('squeue', ['-h', '-s', '-j', alloc.jobId, '-o', '%j'], { env: alloc.env });
    expect(steps.stdout).not.toContain('lc-dask-workers');
    // idempotent
    const again = await lc(['scheduler', 'stop'], { cwd: project, env: env() });
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain('no scheduler is running');
  });

  test('lc scheduler stop on another node of the allocation stops it through the shared state dir', async () => {
    expect((await lc(['scheduler', 'start'], { cwd: project, env: env() })).exitCode).toBe(0);
    const m1 = meta();
    // srun runs the command inside node2's namespace: another hostname, which cannot signal the
    // supervisor (it runs on this host).
    const host = await execa('srun', ['-N1', '-w', 'node2', '--overlap', 'hostname'], { env: env() });
    expect(host.stdout.trim()).toBe('node2');
    expect(m1.host).not.toBe('node2');
    const stop = await execa('srun', ['-N1', '-w', 'node2', '--overlap', process.execPath, LC, 'scheduler', 'stop'], {
      cwd: project,
      env: { ...env(), NO_COLOR: '1' },
      reject: false,
    });
    expect(stop.exitCode, stop.stderr).toBe(0);
    expect(stop.stdout).toContain(
      `stopped the slurm scheduler ${String(m1.address)} (its supervisor ran on ${String(m1.host)})`,
    );
    expect(await waitFor(() => processesMatching(stateDir()).length === 0, 30_000)).toBe(true);
    expect(existsSync(join(stateDir(), 'meta.json'))).toBe(false);
  });

  test('kill -9 of the supervisor: its scheduler, bridge and workers go with it, and the next lc run recovers', async () => {
    expect((await lc(['scheduler', 'start'], { cwd: project, env: env() })).exitCode).toBe(0);
    const m1 = meta();
    process.kill(m1.pid as number, 'SIGKILL');
    // parent-death signals take the Python children down; srun ends the worker step
    expect(await waitFor(() => processesMatching(stateDir()).length === 0, 30_000)).toBe(true);
    const runProject = writeProject(join(dir, 'recover'), probeProject(2, 1, 0.1));
    const r = await lc(['run', '--plain'], { cwd: runProject, env: env() });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/plan\s+2 to run.*executor dask/);
    expect(r.stdout).toMatch(/done\s+2 ok/);
    const m2 = meta();
    expect(m2.pid).not.toBe(m1.pid);
    expect(m2.state).toBe('ready');
    expect((await lc(['scheduler', 'stop'], { cwd: project, env: env() })).exitCode).toBe(0);
    expect(processesMatching(stateDir())).toEqual([]);
  });

  test('a short idle timeout stops scheduler, workers and srun step on its own', async () => {
    const r = await lc(['scheduler', 'start'], { cwd: project, env: env({ LC_SCHEDULER_IDLE_TIMEOUT: '2s' }) });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(meta().idleTimeoutS).toBe(2);
    expect(await waitFor(() => !existsSync(stateDir()) && processesMatching(stateDir()).length === 0, 45_000)).toBe(
      true,
    );
    const st = JSON.parse((await lc(['scheduler', 'status', '--json'], { cwd: project, env: env() })).stdout) as {
      running: boolean;
    };
    expect(st.running).toBe(false);
  });

  test('a client without the session certificates is refused; with them it connects', async () => {
    expect((await lc(['scheduler', 'start'], { cwd: project, env: env() })).exitCode).toBe(0);
    const address = meta().address as string;
    const tls = join(stateDir(), 'tls');
    // a rogue CA and certificate, made the same way
    const rogue = join(dir, 'rogue');
    mkdirSync(rogue, { recursive: true });
    const ssl = (args: string[]) =>
      execa('openssl', args, { cwd: rogue, env: { ...process.env, OPENSSL_CONF: '/dev/null' } });
    await ssl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '1',
      '-subj',
      '/CN=rogue-ca',
    ]);
    await ssl([
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      'key.pem',
      '-out',
      'r.csr',
      '-subj',
      '/CN=rogue',
    ]);
    await ssl([
      'x509',
      '-req',
      '-in',
      'r.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-set_serial',
      '7',
      '-out',
      'cert.pem',
      '-days',
      '1',
    ]);
    const probe = `
import sys
from distributed import Client
from distributed.security import Security
addr, d = sys.argv[1], sys.argv[2]
kw = {}
if d == 'plain':
    addr = addr.replace('tls://', 'tcp://')
elif d != 'none':
    kw['security'] = Security(tls_ca_file=d + '/ca.pem', tls_client_cert=d + '/cert.pem', tls_client_key=d + '/key.pem', require_encryption=True)
try:
    c = Client(addr, timeout=5, **kw)
    print('CONNECTED', len(c.scheduler_info()['workers']))
    c.close()
except Exception as e:
    print('REFUSED', type(e).__name__)
`;
    const tryWith = async (d: string): Promise<string> =>
      (await execa(PY, ['-c', probe, address, d], { reject: false, timeout: 60_000 })).stdout.trim();
    expect(await tryWith('plain')).toMatch(/^REFUSED/); // no plaintext listener
    expect(await tryWith(rogue)).toMatch(/^REFUSED/); // certificate from another CA
    expect(await tryWith(tls)).toBe('CONNECTED 2'); // the session's own certificate works
    expect((await lc(['scheduler', 'stop'], { cwd: project, env: env() })).exitCode).toBe(0);
  });
});

describe('external scheduler (DASK_SCHEDULER_ADDRESS)', () => {
  test('attach only: status shows it, stop refuses and leaves it running', async () => {
    const sf = join(dir, 'ext-scheduler.json');
    const sched = execa(
      'dask',
      ['scheduler', '--host', '127.0.0.1', '--port', '0', '--no-dashboard', '--scheduler-file', sf],
      { reject: false, cleanup: true },
    );
    try {
      expect(await waitFor(() => existsSync(sf), 30_000)).toBe(true);
      const address = (JSON.parse(readFileSync(sf, 'utf8')) as { address: string }).address;
      const e = { LIGHTCONE_SCRATCH: scratch, DASK_SCHEDULER_ADDRESS: address };
      const st = await lc(['scheduler', 'status', '--json'], { cwd: project, env: e });
      expect(st.exitCode, st.stderr).toBe(0);
      expect(JSON.parse(st.stdout)).toMatchObject({ mode: 'external', running: true, address });
      const stop = await lc(['scheduler', 'stop'], { cwd: project, env: e });
      expect(stop.exitCode).toBe(1);
      expect(stop.stderr).toContain('was not started by lc (DASK_SCHEDULER_ADDRESS is set)');
      expect(processesMatching(sf).length).toBe(1); // still running
      const start = await lc(['scheduler', 'start'], { cwd: project, env: e });
      expect(start.stdout).toContain(`attached to external scheduler ${address}`);
    } finally {
      sched.kill('SIGTERM');
      await sched;
    }
  });
});

describe('errors', () => {
  test('a Python without Dask: clear error with the install hint, no traceback', async () => {
    const fake = join(dir, 'python-without-dask');
    writeFileSync(fake, `#!/bin/sh\nexec ${PY} -S "$@"\n`); // -S: no site-packages, so no distributed
    chmodSync(fake, 0o755);
    const r = await lc(['scheduler', 'start'], { cwd: project, env: env({ LC_PYTHON: fake, SLURM_JOB_ID: '999999' }) });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`${fake} (from LC_PYTHON) cannot import Dask distributed`);
    expect(r.stderr).toContain('apt-get install python3-distributed');
    expect(r.stderr).not.toContain('Traceback');
  });

  test('a distributed older than 2022.12: the error names the version and the floor, no traceback', async () => {
    const pkg = join(dir, 'old-dask', 'distributed');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, '__init__.py'), '__version__ = "2022.5.0"\n');
    const old = join(dir, 'python-with-old-dask');
    writeFileSync(old, `#!/bin/sh\nPYTHONPATH=${join(dir, 'old-dask')} exec ${PY} "$@"\n`);
    chmodSync(old, 0o755);
    const r = await lc(['scheduler', 'start'], { cwd: project, env: env({ LC_PYTHON: old, SLURM_JOB_ID: '999999' }) });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`${old} (from LC_PYTHON) has Dask distributed 2022.5.0; lc needs 2022.12.0 or newer`);
    expect(r.stderr).toContain('pip install -U distributed');
    expect(r.stderr).not.toContain('Traceback');
  });

  test('workers that cannot start: the error names the log file, and nothing is left running', async () => {
    // three workers asked of a two-node allocation: srun refuses the step
    const r = await lc(['scheduler', 'start'], {
      cwd: project,
      env: env({ SLURM_JOB_NUM_NODES: '3', SLURM_NNODES: '3' }),
    });
    expect(r.exitCode).toBe(1);
    const log = join(stateDir(), 'scheduler.log');
    expect(r.stderr).toContain('the Dask scheduler did not start (the worker srun step ended');
    expect(r.stderr).toContain(`; see ${log}`);
    expect(readFileSync(log, 'utf8')).toMatch(/srun/);
    // lc reports as soon as the supervisor knows why; the supervisor then cleans up
    expect(
      await waitFor(
        () => processesMatching(stateDir()).length === 0 && !existsSync(join(stateDir(), 'meta.json')),
        30_000,
      ),
    ).toBe(true);
    // stop clears the kept log too
    expect((await lc(['scheduler', 'stop'], { cwd: project, env: env() })).exitCode).toBe(0);
    expect(existsSync(stateDir())).toBe(false);
  });

  test('Perlmutter login node: refused with the salloc line unless overridden', async () => {
    const e = { LIGHTCONE_SCRATCH: scratch, NERSC_HOST: 'perlmutter' };
    const r = await lc(['scheduler', 'start'], { cwd: project, env: e });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('refusing to run on a Perlmutter login node');
    expect(r.stderr).toContain('salloc -N 1 -C gpu -q interactive -t 1:00:00 -A <account>');
    // the override gets past the guard (and then fails on the deliberately broken python)
    const o = await lc(['scheduler', 'start'], {
      cwd: project,
      env: { ...e, LIGHTCONE_ALLOW_LOGIN_NODE: '1', LC_PYTHON: '/nonexistent/python3' },
    });
    expect(o.stderr).not.toContain('login node');
    expect(o.stderr).toContain('cannot import Dask distributed');
  });

  test('a bad idle_timeout in .lightcone/lightcone.yaml names file, line and field', async () => {
    const p2 = join(dir, 'proj-bad-config');
    mkdirSync(join(p2, '.lightcone'), { recursive: true });
    writeFileSync(join(p2, 'astra.yaml'), 'id: p\nversion: "0.0.12"\n');
    writeFileSync(join(p2, '.lightcone', 'lightcone.yaml'), 'scratch_root: /tmp\nscheduler:\n  idle_timeout: soon\n');
    const r = await lc(['scheduler', 'start'], { cwd: p2, env: { LIGHTCONE_SCRATCH: scratch } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('lightcone.yaml:3');
    expect(r.stderr).toContain("scheduler.idle_timeout: 'soon' is not a duration");
  });
});
