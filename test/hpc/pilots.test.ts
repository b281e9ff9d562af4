/**
 * Pilot jobs from outside any allocation, on the real 2-node test cluster (this host is the
 * login node): `lc run --queue` starts the session scheduler here and submits pilot jobs with
 * the queue's header, one worker per node; tasks spread over the pilots; pilots end when the
 * work is done, when the session is stopped (pending ones too), after a kill -9 of lc and after
 * a kill -9 of the session's supervisor and scheduler; max_jobs holds under a long queue; a
 * queue or a task no node can hold is refused before anything is submitted.
 */
import { execa } from 'execa';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { lc, LC, tempDir, writeProject } from '../helpers/lc.js';
import { clusterEnv, killMatching, PY, waitFor } from './helpers.js';

let dir: string;
let cleanup: () => void;
let env: Record<string, string>;

beforeAll(() => {
  ({ dir, cleanup } = tempDir('lc-hpc-pilots-'));
  // no SLURM_JOB_ID: a login node's shell
  env = { ...clusterEnv(), LC_PYTHON: PY, LC_PILOT_IDLE_TIMEOUT: '5', NO_COLOR: '1' };
});
// each test starts on an idle cluster: a job of the previous one may still be completing
beforeEach(async () => {
  const idle = async () => {
    const q = await execa('squeue', ['-h', '-o', '%i'], { env, reject: false });
    const n = await execa('sinfo', ['-h', '-N', '-o', '%T'], { env, reject: false });
    return (
      String(q.stdout).trim() === '' &&
      String(n.stdout)
        .split('\n')
        .every((st) => st.trim() === 'idle')
    );
  };
  expect(await waitFor(idle, 120_000, 500)).toBe(true);
});
afterEach(async () => {
  // every test leaves nothing queued or running; a failed one must not poison the next
  for (const project of readdirSync(dir))
    await lc(['scheduler', 'stop', '--queue', 'cpu'], { cwd: join(dir, project), env: envOf(project) });
});
afterAll(async () => {
  // the next file's allocations must find every node free again, even after a failed test here
  const idle = async () =>
    String((await execa('squeue', ['-h', '-o', '%i'], { env, reject: false })).stdout).trim() === '';
  if (!(await waitFor(idle, 60_000, 500))) {
    await execa(
      'scancel',
      (await pilots()).map((p) => p.id),
      { env, reject: false },
    );
    await waitFor(idle, 60_000, 500);
  }
  killMatching(dir);
  cleanup();
});

const envOf = (name: string) => ({ ...env, LIGHTCONE_SCRATCH: join(dir, `${name}-scratch`) });

/** The session's meta.json (engine/scheduler/meta.ts) in project `name`'s scratch. */
function sessionMeta(name: string): { pid: number; schedulerPid: number } {
  const sessions = join(dir, `${name}-scratch`, '.lightcone', 'scheduler');
  const [key] = readdirSync(sessions);
  return JSON.parse(readFileSync(join(sessions, key as string, 'meta.json'), 'utf8')) as {
    pid: number;
    schedulerPid: number;
  };
}

/** Our pilot jobs in squeue: id, state, name. */
async function pilots(): Promise<{ id: string; state: string }[]> {
  const r = await execa('squeue', ['-h', '-o', '%i|%T|%j'], { env, reject: false });
  return String(r.stdout)
    .split('\n')
    .map((l) => l.trim().split('|'))
    .filter((f) => f[2]?.startsWith('lc-pilot-'))
    .map(([id, state]) => ({ id: id as string, state: state as string }));
}

function project(name: string, n: number, command: string, queue: string, cpus = 2): string {
  return writeProject(join(dir, name), {
    'astra.yaml': `id: pilots
version: "0.0.12"
name: Pilots
inputs: []
decisions:
  rep:
    label: Replicate
    options:
${Array.from({ length: n }, (_, i) => `      r${i}: {label: Replicate ${i}}`).join('\n')}
outputs:
  - id: probe
    type: data
    decisions: [rep]
    recipe:
      command: "${command}"
      resources: {cpus: ${cpus}}
`,
    ...Object.fromEntries(
      Array.from({ length: n }, (_, i) => [`universes/r${i}.yaml`, `id: r${i}\ndecisions: {rep: r${i}}\n`]),
    ),
    '.lightcone/lightcone.yaml': `queues:\n  cpu:\n${queue}`,
  });
}

const QUEUE = `    nodes: 1
    cpus: 2
    memory: 1GB
    walltime: "00:10:00"
    lifetime_margin: 1m
    partition: debug
    sbatch: ["--comment=lc-pilot-test"]
    max_jobs: 2
`;

function hosts(root: string): string[] {
  return readdirSync(join(root, 'results')).map((u) =>
    readFileSync(join(root, 'results', u, 'probe', 'host.txt'), 'utf8').trim(),
  );
}

describe('pilot jobs from a login node', () => {
  test('submitted with the queue’s header; tasks on both pilots; the pilots end when the work is done', async () => {
    const root = project('spread', 4, 'hostname > {output}/host.txt; sleep 3', QUEUE);
    const run = execa(process.execPath, [LC, 'run', '--plain', '--queue', 'cpu'], {
      cwd: root,
      env: envOf('spread'),
      reject: false,
      all: true,
      timeout: 170_000,
    });
    let out = '';
    run.all?.on('data', (d: Buffer) => (out += d.toString()));
    expect(await waitFor(async () => (await pilots()).length === 2, 60_000), out).toBe(true);
    const [first] = await pilots();
    const job = String((await execa('scontrol', ['show', 'job', '-o', first?.id as string], { env })).stdout);
    for (const field of [
      'JobName=lc-pilot-cpu',
      'TimeLimit=00:10:00',
      'NumNodes=1',
      'Partition=debug',
      'Comment=lc-pilot-test',
      'MinMemoryNode=953M',
    ])
      expect(job).toContain(field);
    expect(job).toMatch(/NumCPUs=2\b/);
    const r = await run;
    expect(r.exitCode, out).toBe(0);
    expect(new Set(hosts(root))).toEqual(new Set(['node1', 'node2']));
    // nothing left to do: the pilots are cancelled after the queue's idle time (5 s here)
    expect(await waitFor(async () => (await pilots()).length === 0, 45_000)).toBe(true);
  });

  test('max_jobs holds under a long queue', async () => {
    const root = project(
      'max',
      6,
      'hostname > {output}/host.txt; sleep 1',
      QUEUE.replace('max_jobs: 2', 'max_jobs: 1'),
    );
    const run = lc(['run', '--plain', '--queue', 'cpu'], { cwd: root, env: envOf('max') });
    let most = 0;
    let done = false;
    void run.then(() => (done = true));
    while (!done) {
      most = Math.max(most, (await pilots()).length);
      await new Promise((res) => setTimeout(res, 300));
    }
    const r = await run;
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(most).toBe(1);
    expect(new Set(hosts(root)).size).toBe(1);
  });

  test('lc scheduler stop cancels the run and every pilot, a pending one included', async () => {
    // three pilots of one node each on a 2-node cluster: one stays pending
    const root = project('stop', 3, 'sleep 30', QUEUE.replace('max_jobs: 2', 'max_jobs: 3'));
    const e = envOf('stop');
    const run = execa(process.execPath, [LC, 'run', '--plain', '--queue', 'cpu'], {
      cwd: root,
      env: e,
      reject: false,
      all: true,
      timeout: 170_000,
    });
    let out = '';
    run.all?.on('data', (d: Buffer) => (out += d.toString()));
    expect(
      await waitFor(async () => (out.match(/ start /g) ?? []).length >= 2 && (await pilots()).length === 3, 90_000),
      out,
    ).toBe(true);
    // two pilots run the two started tasks, the third waits for a node
    expect((await pilots()).some((p) => p.state === 'PENDING')).toBe(true);
    // squeue's reason for the pending one reaches lc scheduler status within a poll or two
    let status: { mode: string; pilots: { jobs: { state: string; reason?: string }[] } } | undefined;
    const pendingReason = async () => {
      status = JSON.parse(
        (await lc(['scheduler', 'status', '--queue', 'cpu', '--json'], { cwd: root, env: e })).stdout,
      ) as typeof status;
      return /Resources|Priority/.test(status?.pilots.jobs.find((j) => j.state === 'PENDING')?.reason ?? '');
    };
    expect(await waitFor(pendingReason, 20_000, 1_000), JSON.stringify(status)).toBe(true);
    expect(status?.mode).toBe('pilots');
    const stop = await lc(['scheduler', 'stop', '--queue', 'cpu'], { cwd: root, env: e });
    expect(stop.exitCode, stop.stderr).toBe(0);
    const r = await run;
    expect(r.exitCode, out).toBe(130);
    expect(await waitFor(async () => (await pilots()).length === 0, 30_000)).toBe(true);
  });

  test('scancel of a pilot mid-task: the task runs again on another pilot, the journal says so, and it is ok once', async () => {
    // each run leaves a file named after its node until it ends: a run cut off leaves its own
    const root = project(
      'scancel',
      2,
      'touch {output}/partial-$(hostname); sleep 8; hostname > {output}/host.txt; rm {output}/partial-$(hostname)',
      QUEUE,
    );
    const e = envOf('scancel');
    const run = execa(process.execPath, [LC, 'run', '--plain', '--queue', 'cpu'], {
      cwd: root,
      env: e,
      reject: false,
      all: true,
      timeout: 170_000,
    });
    let out = '';
    run.all?.on('data', (d: Buffer) => (out += d.toString()));
    expect(await waitFor(() => (out.match(/ start /g) ?? []).length >= 2, 90_000), out).toBe(true);
    // the task that started last is surely still running
    const victim = [...out.matchAll(/start {2}(r\d)\/probe {2}\[dask on (node\d)/g)].at(-1);
    const job = String((await execa('squeue', ['-h', '-w', victim?.[2] as string, '-o', '%i'], { env })).stdout).trim();
    await execa('scancel', [job], { env });
    const r = await run;
    expect(r.exitCode, out).toBe(0);
    expect(out).toMatch(new RegExp(`again {2}${victim?.[1]}/probe {2}on node\\d \\(the worker it ran on was lost\\)`));
    expect(out).toMatch(/done {3}2 ok/);
    const journal = readdirSync(join(dir, 'scancel-scratch', '.lightcone', 'runs')).flatMap((d) =>
      readdirSync(join(dir, 'scancel-scratch', '.lightcone', 'runs', d)).map((f) =>
        join(dir, 'scancel-scratch', '.lightcone', 'runs', d, f),
      ),
    );
    const events = readFileSync(journal[0] as string, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; id?: string });
    expect(events.filter((ev) => ev.type === 'task_restarted').map((ev) => ev.id)).toEqual([`${victim?.[1]}/probe`]);
    expect(events.filter((ev) => ev.type === 'task_succeeded')).toHaveLength(2);
    // what the cut-off run left went before the task ran again: only what the finished run wrote
    expect(readdirSync(join(root, 'results', victim?.[1] as string, 'probe')).sort()).toEqual([
      '.lightcone-manifest.json',
      'host.txt',
    ]);
  });

  test('kill -9 of lc run: its tasks end with it, and the pilots after the idle time', async () => {
    const root = project('kill', 2, 'sleep 30', QUEUE);
    const run = execa(process.execPath, [LC, 'run', '--plain', '--queue', 'cpu'], {
      cwd: root,
      env: envOf('kill'),
      reject: false,
      all: true,
    });
    let out = '';
    run.all?.on('data', (d: Buffer) => (out += d.toString()));
    expect(await waitFor(() => (out.match(/ start /g) ?? []).length >= 2, 90_000), out).toBe(true);
    run.kill('SIGKILL');
    await run;
    expect(await waitFor(async () => (await pilots()).length === 0, 60_000)).toBe(true);
  });

  test('kill -9 of the session’s supervisor and scheduler: the pilots end on their own, a pending one too, and lc run fails clearly', async () => {
    // three pilots of one node each on a 2-node cluster: one stays pending
    const root = project('orphan', 3, 'sleep 30', QUEUE.replace('max_jobs: 2', 'max_jobs: 3'));
    const run = execa(process.execPath, [LC, 'run', '--plain', '--queue', 'cpu'], {
      cwd: root,
      env: envOf('orphan'),
      reject: false,
      all: true,
      timeout: 170_000,
    });
    let out = '';
    run.all?.on('data', (d: Buffer) => (out += d.toString()));
    const started = async () =>
      (out.match(/ start /g) ?? []).length >= 2 && (await pilots()).some((p) => p.state === 'PENDING');
    expect(await waitFor(started, 90_000), out).toBe(true);
    // The scheduler first: at its parent's death it would retire the workers itself. Here
    // nothing of the session is left to tell the pilots: they must notice by themselves.
    const meta = sessionMeta('orphan');
    process.kill(meta.schedulerPid, 'SIGKILL');
    process.kill(meta.pid, 'SIGKILL');
    const killedAt = Date.now();
    const r = await run;
    expect(Date.now() - killedAt, out).toBeLessThan(60_000);
    expect(r.exitCode, out).toBe(1);
    expect(out).toMatch(
      /failed: the session scheduler died \(its supervisor, pid \d+, is gone; see \S+scheduler\.log\)/,
    );
    expect(out).toMatch(/done {3}0 ok, /);
    // the workers exit when their scheduler's connection breaks (at the latest when their death
    // timeout ends, 60 s); the pending pilot then starts, finds no scheduler and exits at once
    expect(await waitFor(async () => (await pilots()).length === 0, 120_000)).toBe(true);
  });

  test('sbatch refusing the pilots is said clearly, and not retried forever', async () => {
    const root = project(
      'refused',
      2,
      'true',
      QUEUE.replace('    partition: debug\n', '    partition: debug\n    reservation: nosuchres\n'),
    );
    const r = await lc(['run', '--plain', '--queue', 'cpu'], {
      cwd: root,
      env: { ...envOf('refused'), LC_PILOT_REFUSAL_BACKOFF_MS: '500' },
    });
    // a failure, not an interruption (130): running it again as it is would fail the same way
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(
      /failed: the session scheduler failed \(sbatch refused the pilot jobs of queue cpu 3 times: sbatch: error: Batch job submission failed: Requested reservation is invalid\)/,
    );
    expect(r.stdout).toMatch(/0 ok, 2 not started/);
    expect(r.stdout).not.toMatch(/lc run again/);
    expect(await pilots()).toEqual([]);
  });

  test('a queue no node can hold, and a task no pilot can hold, are refused before anything is submitted', async () => {
    const big = project('big', 1, 'true', QUEUE.replace('cpus: 2', 'cpus: 64'));
    const r1 = await lc(['run', '--plain', '--queue', 'cpu'], { cwd: big, env: envOf('big') });
    expect(r1.exitCode).not.toBe(0);
    expect(r1.stderr).toMatch(
      /queue cpu asks for 64 cpus per node; the largest node of partition debug has 2: its pilot jobs could never start \(1 task not started\) \[QUEUE_INVALID\]/,
    );
    const wide = project('wide', 1, 'true', QUEUE, 4);
    const r2 = await lc(['run', '--plain', '--queue', 'cpu'], { cwd: wide, env: envOf('wide') });
    expect(r2.exitCode).toBe(1);
    expect(r2.stderr).toMatch(/DOES_NOT_FIT/);
    expect(await pilots()).toEqual([]);
  });
});
