/**
 * Pilot jobs from outside any allocation, on the real 2-node test cluster (this host is the
 * login node): `lc run --queue` starts the session scheduler here and submits pilot jobs with
 * the queue's header, one worker per node; tasks spread over the pilots; pilots end when the
 * work is done, when the session is stopped (pending ones too), after a kill -9 of lc and after
 * a kill -9 of the session's supervisor and scheduler; workers retire lifetime_margin before the
 * walltime and new pilots take over without losing a task; max_jobs holds under a long queue; a
 * queue or a task no node can hold is refused before anything is submitted.
 */
import { execa } from 'execa';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { lc, tempDir, writeProject } from '../helpers/lc.js';
import {
  clusterEnv,
  drainPilots,
  killMatching,
  pilotJobs,
  PY,
  replicaSweep,
  startLcRun,
  waitClusterIdle,
  waitFor,
} from './helpers.js';

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
  expect(await waitClusterIdle(env)).toBe(true);
});
afterEach(async () => {
  // every test leaves nothing queued or running; a failed one must not poison the next
  for (const project of readdirSync(dir))
    await lc(['scheduler', 'stop', '--queue', 'cpu'], { cwd: join(dir, project), env: envOf(project) });
});
afterAll(async () => {
  await drainPilots(env);
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

/** What a failed wait needs to be understood: lc's output, then the session's log and its pilots' logs (tails). */
function explain(name: string, out: string): string {
  const sessions = join(dir, `${name}-scratch`, '.lightcone', 'scheduler');
  const tail = (f: string) => `--- ${f}\n${readFileSync(f, 'utf8').split('\n').slice(-25).join('\n')}`;
  const logs: string[] = [];
  for (const key of existsSync(sessions) ? readdirSync(sessions) : []) {
    const session = join(sessions, key);
    if (existsSync(join(session, 'scheduler.log'))) logs.push(tail(join(session, 'scheduler.log')));
    const pilotsDir = join(session, 'pilots');
    for (const f of existsSync(pilotsDir) ? readdirSync(pilotsDir) : [])
      if (f.endsWith('.log')) logs.push(tail(join(pilotsDir, f)));
  }
  return [out, ...logs].join('\n');
}

/** Our pilot jobs in squeue: id, state, name. */
const pilots = () => pilotJobs(env);

function project(name: string, n: number, command: string, queue: string, cpus = 2): string {
  return writeProject(join(dir, name), {
    ...replicaSweep(
      'pilots',
      'Pilots',
      n,
      `  - id: probe
    type: data
    decisions: [rep]
    recipe:
      command: "${command}"
      resources: {cpus: ${cpus}}
`,
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

/** The events of the one run journal of project `name`. */
function journal(name: string): { type: string; id?: string }[] {
  const runs = join(dir, `${name}-scratch`, '.lightcone', 'runs');
  const files = readdirSync(runs).flatMap((d) => readdirSync(join(runs, d)).map((f) => join(runs, d, f)));
  expect(files).toHaveLength(1);
  return readFileSync(files[0] as string, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; id?: string });
}

/** How many times each id occurs. */
function tally(ids: (string | undefined)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of ids) out[id as string] = (out[id as string] ?? 0) + 1;
  return out;
}

const ENDED = new Set(['COMPLETED', 'CANCELLED', 'FAILED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'BOOT_FAIL']);

/**
 * Watches the pilot jobs until `stop()`: the most alive at once (squeue's default view, the
 * session's own) and the last state of every pilot submitted since (`-t all`: SLURM keeps an
 * ended job for MinJobAge, 60 s on the test cluster, far longer than a poll).
 */
async function watchPilots(): Promise<{ stop: () => Promise<{ most: number; states: Map<string, string> }> }> {
  const before = new Set((await allPilots()).map((p) => p.id));
  const states = new Map<string, string>();
  let most = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      for (const p of await allPilots()) if (!before.has(p.id)) states.set(p.id, p.state);
      most = Math.max(most, (await pilots()).length);
      await new Promise((res) => setTimeout(res, 300));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return { most, states };
    },
  };
}

/** Our pilot jobs in any state SLURM still remembers. */
async function allPilots(): Promise<{ id: string; state: string }[]> {
  const r = await execa('squeue', ['-h', '-t', 'all', '-o', '%i|%T|%j'], { env, reject: false });
  return String(r.stdout)
    .split('\n')
    .map((l) => l.trim().split('|'))
    .filter((f) => f[2]?.startsWith('lc-pilot-'))
    .map(([id, state]) => ({ id: id as string, state: state as string }));
}

describe('pilot jobs from a login node', () => {
  test('submitted with the queue’s header; tasks on both pilots; the pilots end when the work is done', async () => {
    const root = project('spread', 4, 'hostname > {output}/host.txt; sleep 3', QUEUE);
    const { run, out } = startLcRun(root, envOf('spread'), ['--queue', 'cpu']);
    expect(await waitFor(async () => (await pilots()).length === 2, 60_000), out()).toBe(true);
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
    expect(r.exitCode, out()).toBe(0);
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
    const { run, out } = startLcRun(root, e, ['--queue', 'cpu']);
    expect(
      await waitFor(async () => (out().match(/ start /g) ?? []).length >= 2 && (await pilots()).length === 3, 90_000),
      out(),
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
    expect(r.exitCode, out()).toBe(130);
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
    const { run, out } = startLcRun(root, e, ['--queue', 'cpu']);
    expect(await waitFor(() => (out().match(/ start /g) ?? []).length >= 2, 90_000), explain('scancel', out())).toBe(
      true,
    );
    // the task that started last is surely still running
    const victim = [...out().matchAll(/start {2}(r\d)\/probe {2}\[dask on (node\d)/g)].at(-1);
    const job = String((await execa('squeue', ['-h', '-w', victim?.[2] as string, '-o', '%i'], { env })).stdout).trim();
    await execa('scancel', [job], { env });
    const r = await run;
    expect(r.exitCode, out()).toBe(0);
    expect(out()).toMatch(
      new RegExp(`again {2}${victim?.[1]}/probe {2}on node\\d \\(the worker it ran on was lost\\)`),
    );
    expect(out()).toMatch(/done {3}2 ok/);
    const events = journal('scancel');
    expect(
      events.filter((ev) => ev.type === 'task_restarted').map((ev) => ev.id),
      explain('scancel', out() + JSON.stringify(events)),
    ).toEqual([`${victim?.[1]}/probe`]);
    expect(events.filter((ev) => ev.type === 'task_succeeded')).toHaveLength(2);
    // what the cut-off run left went before the task ran again: only what the finished run wrote
    expect(readdirSync(join(root, 'results', victim?.[1] as string, 'probe')).sort()).toEqual([
      '.lightcone-manifest.json',
      'host.txt',
    ]);
  });

  test('kill -9 of lc run: its tasks end with it, and the pilots after the idle time', async () => {
    const root = project('kill', 2, 'sleep 30', QUEUE);
    const { run, out } = startLcRun(root, envOf('kill'), ['--queue', 'cpu'], undefined);
    expect(await waitFor(() => (out().match(/ start /g) ?? []).length >= 2, 90_000), explain('kill', out())).toBe(true);
    run.kill('SIGKILL');
    await run;
    expect(await waitFor(async () => (await pilots()).length === 0, 60_000)).toBe(true);
  });

  test('lifetime_margin: a worker retires before the walltime, a new pilot takes over, and every task is ok exactly once', async () => {
    // walltime 1:30, margin 45 s: the worker retires 23-67 s into its job (staggered; counted
    // from the job's start). Ten tasks of 8 s on one pilot at a time (max_jobs 1, one task per
    // pilot) are 80 s of work: the first pilot retires with work left, while no other worker
    // runs. Once a task's run time is known, none starts on a worker retiring before it would
    // end: none is cut off. Each run of a task is recorded.
    const n = 10;
    const attempts = join(dir, 'lifetime-attempts.txt');
    writeFileSync(attempts, '');
    const root = project(
      'lifetime',
      n,
      `echo {decisions.rep} $SLURM_JOB_ID >> ${attempts}; sleep 8; echo $SLURM_JOB_ID > {output}/job.txt`,
      QUEUE.replace('walltime: "00:10:00"', 'walltime: "00:01:30"')
        .replace('lifetime_margin: 1m', 'lifetime_margin: 45s')
        .replace('max_jobs: 2', 'max_jobs: 1'),
    );
    const e = envOf('lifetime');
    const watch = await watchPilots();
    const r = await lc(['run', '--plain', '--queue', 'cpu'], { cwd: root, env: e, timeout: 280_000 });
    const { most, states } = await watch.stop();
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`done {3}${n} ok`));
    // replacements: more pilots than max_jobs over the run, never more than max_jobs at once
    expect(states.size, JSON.stringify([...states])).toBeGreaterThan(1);
    expect(most).toBe(1);
    // a pilot that ended under the run ended by its worker retiring: the job completed, it did
    // not reach its walltime (TIMEOUT) nor fail
    const ended = [...states.values()].filter((st) => ENDED.has(st));
    expect(ended.length, JSON.stringify([...states])).toBeGreaterThan(0);
    expect(new Set(ended), JSON.stringify([...states])).toEqual(new Set(['COMPLETED']));
    // every task ok exactly once; a run cut off by a retirement is reported as restarted, not failed
    const events = journal('lifetime');
    const ids = Array.from({ length: n }, (_, i) => `r${i}/probe`).sort();
    expect(
      events
        .filter((ev) => ev.type === 'task_succeeded')
        .map((ev) => ev.id)
        .sort(),
    ).toEqual(ids);
    expect(events.filter((ev) => ev.type === 'task_failed')).toEqual([]);
    const runs = tally(
      readFileSync(attempts, 'utf8')
        .trim()
        .split('\n')
        .map((l) => `${l.split(' ')[0]}/probe`),
    );
    const restarts = tally(events.filter((ev) => ev.type === 'task_restarted').map((ev) => ev.id));
    for (const id of ids) expect((runs[id] ?? 0) - 1, id).toBe(restarts[id] ?? 0);
    // no task started on a worker about to retire
    expect(restarts, explain('lifetime', r.stdout)).toEqual({});
    // each output was written by a pilot of this run
    for (const u of readdirSync(join(root, 'results')))
      expect(states.has(readFileSync(join(root, 'results', u, 'probe', 'job.txt'), 'utf8').trim()), u).toBe(true);
    const status = await lc(['status', '--check'], { cwd: root, env: e });
    expect(status.exitCode, status.stdout + status.stderr).toBe(0);
    expect(await waitFor(async () => (await pilots()).length === 0, 45_000)).toBe(true);
  }, 300_000);

  test('kill -9 of the session’s supervisor and scheduler: the pilots end on their own, a pending one too, and lc run fails clearly', async () => {
    // three pilots of one node each on a 2-node cluster: one stays pending
    const root = project('orphan', 3, 'sleep 30', QUEUE.replace('max_jobs: 2', 'max_jobs: 3'));
    const { run, out } = startLcRun(root, envOf('orphan'), ['--queue', 'cpu']);
    const started = async () =>
      (out().match(/ start /g) ?? []).length >= 2 && (await pilots()).some((p) => p.state === 'PENDING');
    expect(await waitFor(started, 90_000), out()).toBe(true);
    // The scheduler first: at its parent's death it would retire the workers itself. Here
    // nothing of the session is left to tell the pilots: they must notice by themselves.
    const meta = sessionMeta('orphan');
    process.kill(meta.schedulerPid, 'SIGKILL');
    process.kill(meta.pid, 'SIGKILL');
    const killedAt = Date.now();
    const r = await run;
    expect(Date.now() - killedAt, out()).toBeLessThan(60_000);
    expect(r.exitCode, out()).toBe(1);
    expect(out()).toMatch(
      /failed: the session scheduler died \(its supervisor, pid \d+, is gone; see \S+scheduler\.log\)/,
    );
    expect(out()).toMatch(/done {3}0 ok, /);
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
