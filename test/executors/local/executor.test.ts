/**
 * The local executor with real /bin/sh processes: slots, resources, GPUs, time limits,
 * cancellation, log streaming. Concurrency is proven from timestamps the tasks write themselves.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { ExecRequest, ExecResult } from '../../../engine/executors/executor.js';
import { createLocalExecutor } from '../../../engine/executors/local/index.js';
import type { Resources } from '../../../engine/astra/model.js';
import { tempDir } from '../../helpers/lc.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir('lc-exec-'));
  mkdirSync(join(dir, 'logs'));
});
afterEach(() => cleanup());

const res = (r: Partial<Resources> = {}): Resources => ({ cpus: 1, gpus: 0, ...r });

function req(id: string, command: string, r: Partial<Resources> = {}, extra: Partial<ExecRequest> = {}): ExecRequest {
  return { id, command, cwd: dir, env: {}, resources: res(r), logPath: join(dir, 'logs', `${id}.log`), ...extra };
}

/** A task that records when it started and ended (ms since epoch, from date +%s%N). */
const timed = (id: string, sleepS: number) =>
  `echo start $(date +%s%3N) >> ${id}.t && sleep ${sleepS} && echo end $(date +%s%3N) >> ${id}.t`;

/** Max number of intervals overlapping at any instant. */
function maxOverlap(ids: string[]): number {
  const points: [number, number][] = [];
  for (const id of ids) {
    const lines = readFileSync(join(dir, `${id}.t`), 'utf8')
      .trim()
      .split('\n');
    const start = Number(lines[0]?.split(' ')[1]);
    const end = Number(lines[1]?.split(' ')[1]);
    points.push([start, 1], [end, -1]);
  }
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0;
  let max = 0;
  for (const [, d] of points) {
    cur += d;
    max = Math.max(max, cur);
  }
  return max;
}

// Every behaviour holds for both ways of starting tasks (see engine/executors/local/spawner.ts).
describe.each(['python', 'perl', 'direct'])('local executor (%s spawner)', (spawnerKind) => {
  let saved: string | undefined;
  beforeAll(() => {
    saved = process.env.LIGHTCONE_SPAWNER;
    process.env.LIGHTCONE_SPAWNER = spawnerKind;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.LIGHTCONE_SPAWNER;
    else process.env.LIGHTCONE_SPAWNER = saved;
  });

  test('uses the spawner asked for', async () => {
    const ex = await createLocalExecutor();
    const r = await ex.submit(req('which', 'echo $PPID > ppid.txt'));
    expect(r.exitCode).toBe(0);
    // A launcher's shells are children of the launcher, the direct ones of this process.
    const ppid = Number(readFileSync(join(dir, 'ppid.txt'), 'utf8'));
    expect(ppid === process.pid).toBe(spawnerKind === 'direct');
    if (spawnerKind !== 'direct') {
      // Read while the launcher is still alive (it exits on close).
      expect(readFileSync(`/proc/${ppid}/cmdline`, 'utf8')).toContain(spawnerKind);
    }
    await ex.close();
  });

  test('tasks see exactly the environment lc has, plus their own variables', async () => {
    const ex = await createLocalExecutor({ env: { LC_TEST_BASE: 'from lc' } });
    const r = await ex.submit(req('env', 'env > env.txt', {}, { env: { LC_TEST_TASK: 'per task' } }));
    expect(r.exitCode).toBe(0);
    const env = readFileSync(join(dir, 'env.txt'), 'utf8');
    expect(env).toContain('LC_TEST_BASE=from lc\n');
    expect(env).toContain('LC_TEST_TASK=per task\n');
    // Nothing else changed or added (an interpreter wrapper such as a pyenv shim would).
    const seen = new Map(
      env
        .split('\n')
        .filter((l) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
    );
    const shellOwn = new Set(['PWD', 'OLDPWD', 'SHLVL', '_']);
    const added = new Set([
      'LC_TEST_BASE',
      'LC_TEST_TASK',
      'LIGHTCONE_CPUS',
      'OMP_NUM_THREADS',
      'CUDA_VISIBLE_DEVICES',
    ]);
    for (const [k, v] of Object.entries(process.env)) {
      if (shellOwn.has(k) || added.has(k) || v === undefined || v.includes('\n')) continue;
      expect([k, seen.get(k)]).toEqual([k, v]);
    }
    for (const k of seen.keys())
      if (!shellOwn.has(k) && !added.has(k)) expect([k, k in process.env]).toEqual([k, true]);
    await ex.close();
  });

  test('-j caps concurrent tasks: six 0.3 s tasks with jobs=2 never overlap more than 2', async () => {
    const ex = await createLocalExecutor({ jobs: 2, capacity: { cpus: 8 } });
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const results = await Promise.all(ids.map((id) => ex.submit(req(id, timed(id, 0.3)))));
    expect(results.every((r) => r.reason === 'exit' && r.exitCode === 0)).toBe(true);
    expect(maxOverlap(ids)).toBe(2);
    await ex.close();
  });

  test('cpus are bin-packed: 2-cpu tasks on a 3-cpu node run one at a time, 1-cpu tasks fill the gap', async () => {
    const ex = await createLocalExecutor({ capacity: { cpus: 3 } });
    const big = ['b1', 'b2', 'b3'];
    const small = ['s1', 's2', 's3'];
    const all = [
      ...big.map((id) => ex.submit(req(id, timed(id, 0.4), { cpus: 2 }))),
      ...small.map((id) => ex.submit(req(id, timed(id, 0.4), { cpus: 1 }))),
    ];
    await Promise.all(all);
    // Never more than one 2-cpu task at once, never more than 3 cpus in use.
    expect(maxOverlap(big)).toBe(1);
    const points: [number, number][] = [];
    for (const id of [...big, ...small]) {
      const [s, e] = readFileSync(join(dir, `${id}.t`), 'utf8')
        .trim()
        .split('\n')
        .map((l) => Number(l.split(' ')[1]));
      const cpus = id.startsWith('b') ? 2 : 1;
      points.push([s as number, cpus], [e as number, -cpus]);
    }
    points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let cur = 0;
    let max = 0;
    for (const [, d] of points) {
      cur += d;
      max = Math.max(max, cur);
    }
    expect(max).toBeLessThanOrEqual(3);
    await ex.close();
  });

  test('memory is a limit too', async () => {
    const MB = 1024 * 1024;
    const ex = await createLocalExecutor({ capacity: { cpus: 8, memoryBytes: 1000 * MB } });
    const ids = ['m1', 'm2', 'm3'];
    await Promise.all(ids.map((id) => ex.submit(req(id, timed(id, 0.3), { memoryBytes: 600 * MB }))));
    expect(maxOverlap(ids)).toBe(1);
    await ex.close();
  });

  test('a task that can never fit fails at once, naming its request and the capacity', async () => {
    const ex = await createLocalExecutor({ capacity: { cpus: 2 } });
    const t0 = Date.now();
    const r = await ex.submit(req('huge', 'true', { cpus: 64 }));
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(r.reason).toBe('does_not_fit');
    expect(r.detail).toContain('huge');
    expect(r.detail).toContain('cpus=64');
    expect(r.detail).toContain('cpus=2');
    await ex.close();
  });

  test('GPU tasks get CUDA_VISIBLE_DEVICES with their own devices; others get none', async () => {
    const ex = await createLocalExecutor({ capacity: { cpus: 8, gpuIds: ['0', '1', '2'] } });
    const gpuTask = (id: string, n: number) =>
      ex.submit(req(id, `echo "$CUDA_VISIBLE_DEVICES" > ${id}.gpu; sleep 0.3`, { gpus: n }));
    const [a, b, c] = await Promise.all([gpuTask('g2', 2), gpuTask('g1', 1), gpuTask('g0', 0)]);
    expect([a.exitCode, b.exitCode, c.exitCode]).toEqual([0, 0, 0]);
    const g2 = readFileSync(join(dir, 'g2.gpu'), 'utf8').trim().split(',');
    const g1 = readFileSync(join(dir, 'g1.gpu'), 'utf8').trim().split(',');
    expect(g2).toHaveLength(2);
    expect(g1).toHaveLength(1);
    expect(new Set([...g2, ...g1]).size).toBe(3); // disjoint while they ran together
    expect(readFileSync(join(dir, 'g0.gpu'), 'utf8').trim()).toBe('');
    await ex.close();
  });

  test('SLURM allocation sizes the node, not the machine', async () => {
    const ex = await createLocalExecutor({
      env: {
        SLURM_JOB_ID: '1',
        SLURM_CPUS_ON_NODE: '3',
        SLURM_MEM_PER_NODE: '2048',
        SLURM_GPUS_ON_NODE: '2',
        CUDA_VISIBLE_DEVICES: '4,5',
      },
    });
    const [cap] = await ex.capacity();
    expect(cap).toMatchObject({ cpus: 3, memoryBytes: 2048 * 1024 * 1024, gpus: 2 });
    const r = await ex.submit(req('g', `echo "$CUDA_VISIBLE_DEVICES" > g.gpu`, { gpus: 1 }));
    expect(r.exitCode).toBe(0);
    expect(readFileSync(join(dir, 'g.gpu'), 'utf8').trim()).toBe('4');
    await ex.close();
  });

  test('time_limit: SIGTERM to the whole process group, SIGKILL after the grace period', async () => {
    const ex = await createLocalExecutor({ killGraceMs: 300 });
    const t0 = Date.now();
    // The child sleep is in the same group: it must die too, or `wait` would keep sh alive.
    const polite = ex.submit(req('polite', 'sleep 30 & wait', { timeLimitS: 0.5 }));
    // Ignores SIGTERM: only SIGKILL ends it.
    const stubborn = ex.submit(req('stubborn', "trap '' TERM; sleep 30; sleep 30", { timeLimitS: 0.5 }));
    const [p, s] = await Promise.all([polite, stubborn]);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(p.reason).toBe('time_limit');
    expect(p.signal).toBe('SIGTERM');
    expect(s.reason).toBe('time_limit');
    expect(s.signal).toBe('SIGKILL');
    await ex.close();
  });

  test('cancel: a queued task never starts, a running one is stopped', async () => {
    const ex = await createLocalExecutor({ jobs: 1, killGraceMs: 200 });
    const started: string[] = [];
    const onStart = (id: string) => () => started.push(id);
    const running = ex.submit(req('run', 'sleep 30', {}, { onStart: onStart('run') }));
    const queued = ex.submit(req('queued', 'touch queued.ran', {}, { onStart: onStart('queued') }));
    // Wait until `run` really runs (the launcher may take a while to start on a loaded machine).
    for (let i = 0; i < 200 && started.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(started).toEqual(['run']);
    ex.cancel('queued');
    ex.cancel('run');
    const [a, b] = await Promise.all([running, queued]);
    expect(a.reason).toBe('cancelled');
    expect(b.reason).toBe('cancelled');
    expect(started).toEqual(['run']);
    await expect(import('node:fs').then((fs) => fs.existsSync(join(dir, 'queued.ran')))).resolves.toBe(false);
    await ex.close();
  });

  test('prepare runs only when the slot is reserved, before the command', async () => {
    const ex = await createLocalExecutor({ jobs: 1 });
    const order: string[] = [];
    const a = ex.submit(
      req(
        'a',
        'sleep 0.2',
        {},
        { prepare: () => void order.push('prep a'), onStart: () => void order.push('start a') },
      ),
    );
    const b = ex.submit(
      req('b', 'true', {}, { prepare: () => void order.push('prep b'), onStart: () => void order.push('start b') }),
    );
    await Promise.all([a, b]);
    expect(order).toEqual(['prep a', 'start a', 'prep b', 'start b']);
    const bad = await ex.submit(
      req(
        'c',
        'true',
        {},
        {
          prepare: () => {
            throw new Error('disk full');
          },
        },
      ),
    );
    expect(bad.reason).toBe('spawn_error');
    expect(bad.detail).toContain('disk full');
    await ex.close();
  });

  test('output goes to the log file and is streamed as lines, bounded', async () => {
    const ex = await createLocalExecutor({ pollMs: 50 });
    const lines: string[] = [];
    const r: ExecResult = await ex.submit(
      req(
        'chatty',
        `echo hello; echo oops >&2; printf 'x%.0s' $(seq 1 3000); echo; printf 'no newline'`,
        {},
        { onLine: (_s, l) => lines.push(l) },
      ),
    );
    expect(r.exitCode).toBe(0);
    const log = readFileSync(join(dir, 'logs', 'chatty.log'), 'utf8');
    expect(log).toContain('hello\noops\n');
    expect(lines[0]).toBe('hello');
    expect(lines[1]).toBe('oops');
    expect(lines[2]).toMatch(/^x{2000} \[lc: line cut at 2000 characters\]$/);
    expect(lines[3]).toBe('no newline');
    await ex.close();
  });

  test('a flood of output is skipped in the stream, never in the log', async () => {
    const ex = await createLocalExecutor({ pollMs: 1000 });
    const lines: string[] = [];
    await ex.submit(req('flood', `seq 1 100000`, {}, { onLine: (_s, l) => lines.push(l) }));
    const log = readFileSync(join(dir, 'logs', 'flood.log'), 'utf8');
    expect(log.trim().split('\n').at(-1)).toBe('100000');
    expect(lines.length).toBeLessThanOrEqual(202);
    expect(lines.some((l) => l.includes('not streamed'))).toBe(true);
    expect(lines.at(-1)).toBe('100000');
    await ex.close();
  });

  test('bash-only syntax runs under bash, plain recipes under sh', async () => {
    const ex = await createLocalExecutor();
    writeFileSync(join(dir, 'x.txt'), 'a\n');
    const r = await ex.submit(req('bashism', 'set -o pipefail; [[ -f x.txt ]] && cat <(echo ok) > b.out'));
    expect(r.exitCode).toBe(0);
    expect(readFileSync(join(dir, 'b.out'), 'utf8')).toBe('ok\n');
    await ex.close();
  });

  test('exit codes and spawn errors are reported, never thrown', async () => {
    const ex = await createLocalExecutor();
    const r = await ex.submit(req('fail', 'exit 3'));
    expect(r).toMatchObject({ reason: 'exit', exitCode: 3 });
    const bad = await ex.submit({ ...req('nocwd', 'true'), cwd: join(dir, 'does-not-exist') });
    expect(bad.reason).toBe('spawn_error');
    await ex.close();
  });

  test('utilisation snapshot reports slots and running tasks', async () => {
    const ex = await createLocalExecutor({ capacity: { cpus: 4 } });
    const p = ex.submit(req('u', 'sleep 1', { cpus: 2 }));
    await new Promise((r) => setTimeout(r, 100));
    const [u] = await ex.utilisation();
    expect(u?.runningTasks).toEqual(['u']);
    expect(u?.cpusInUse).toBe(2);
    expect(u?.cpusTotal).toBe(4);
    expect(u?.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(u?.memoryUsedBytes).toBeGreaterThan(0);
    await p;
    const t0 = performance.now();
    await ex.utilisation();
    expect(performance.now() - t0).toBeLessThan(200); // cheap once warm: fine at 1 Hz
    await ex.close();
  });
});

describe('local executor limits', () => {
  test('tasks that reserve no cpu are still capped without -j (8 per cpu)', async () => {
    const ex = await createLocalExecutor({ capacity: { cpus: 1 } });
    const ids = Array.from({ length: 12 }, (_, i) => `z${i}`);
    await Promise.all(ids.map((id) => ex.submit(req(id, timed(id, 0.3), { cpus: 0 }))));
    const peak = maxOverlap(ids);
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(8);
    await ex.close();
  });
});
