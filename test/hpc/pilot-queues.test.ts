/**
 * One session, several pilot queues, on the real 2-node test cluster (2 cpus a node, no GPUs:
 * tasks are routed by cpus). `lc run --queue small,big` from outside any allocation: each task
 * goes to the first queue whose node holds it, so the 1-cpu tasks run in pilots of `small` and
 * the 2-cpu ones in pilots of `big` only; each queue's max_jobs holds; nothing is left in squeue.
 * A session started for `small` takes on `big` when a later run asks for both; a task no queue
 * holds is refused before anything is submitted.
 */
import { readFileSync, readdirSync } from 'node:fs';
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
  ({ dir, cleanup } = tempDir('lc-hpc-queues-'));
  // no SLURM_JOB_ID: a login node's shell
  env = { ...clusterEnv(), LC_PYTHON: PY, LC_PILOT_IDLE_TIMEOUT: '5', NO_COLOR: '1' };
});
// each test starts on an idle cluster: a job of the previous one may still be completing
beforeEach(async () => {
  expect(await waitClusterIdle(env)).toBe(true);
});
afterEach(async () => {
  // the session is named by its first queue: stopping it cancels every queue's pilots
  for (const project of readdirSync(dir))
    await lc(['scheduler', 'stop', '--queue', 'small'], { cwd: join(dir, project), env: envOf(project) });
});
afterAll(async () => {
  await drainPilots(env);
  killMatching(dir);
  cleanup();
});

const envOf = (name: string) => ({ ...env, LIGHTCONE_SCRATCH: join(dir, `${name}-scratch`) });

const QUEUES = `queues:
  small:
    nodes: 1
    cpus: 1
    memory: 500MB
    walltime: "00:10:00"
    lifetime_margin: 1m
    partition: debug
    max_jobs: 2
  big: {template: small, cpus: 2, memory: 1GB, max_jobs: 1}
`;

/** Outputs `small` (1 cpu) and `big` (2 cpus) over n universes; each says which pilot job ran it. */
function project(name: string, n: number, extra = ''): string {
  const output = (id: string, cpus: number) => `  - id: ${id}
    type: data
    decisions: [rep]
    recipe:
      command: "echo $SLURM_JOB_NAME $SLURM_JOB_ID > {output}/pilot.txt; sleep 2"
      resources: {cpus: ${cpus}}
`;
  return writeProject(join(dir, name), {
    ...replicaSweep('queues', 'Queues', n, `${output('small', 1)}${output('big', 2)}${extra}`),
    '.lightcone/lightcone.yaml': QUEUES,
  });
}

/** Our pilot jobs in squeue: id, state, name. */
const pilots = () => pilotJobs(env);

/** Per output, the pilot jobs (name and id) its tasks ran in. */
function ranIn(root: string, output: string): { name: string; id: string }[] {
  return readdirSync(join(root, 'results')).map((u) => {
    const [name, id] = readFileSync(join(root, 'results', u, output, 'pilot.txt'), 'utf8')
      .trim()
      .split(' ');
    return { name: name as string, id: id as string };
  });
}

/** The most pilot jobs of each queue alive at once while `until` is pending. */
async function mostPerQueue(until: Promise<unknown>): Promise<Map<string, number>> {
  let done = false;
  void until.finally(() => (done = true));
  const most = new Map<string, number>();
  while (!done) {
    const count = new Map<string, number>();
    for (const p of await pilots()) count.set(p.name, (count.get(p.name) ?? 0) + 1);
    for (const [k, v] of count) most.set(k, Math.max(most.get(k) ?? 0, v));
    await new Promise((res) => setTimeout(res, 300));
  }
  return most;
}

/** The session's meta.json (engine/scheduler/meta.ts) and scheduler.log in project `name`'s scratch. */
function session(name: string): { meta: { queues?: { name: string }[] }; log: string } {
  const sessions = join(dir, `${name}-scratch`, '.lightcone', 'scheduler');
  const keys = readdirSync(sessions);
  expect(keys).toEqual([expect.stringMatching(/^pilots-[0-9a-f]+-small$/)]);
  const at = join(sessions, keys[0] as string);
  return {
    meta: JSON.parse(readFileSync(join(at, 'meta.json'), 'utf8')) as { queues?: { name: string }[] },
    log: readFileSync(join(at, 'scheduler.log'), 'utf8'),
  };
}

interface StatusJson {
  pilots?: {
    queue: string;
    max_jobs: number;
    jobs: { queue: string }[];
    queues: { queue: string; max_jobs: number }[];
  };
}

describe('several pilot queues in one session', () => {
  test('each task runs in pilots of the first queue that holds it; each queue keeps to its max_jobs; nothing is left', async () => {
    const root = project('split', 4);
    const { run, out } = startLcRun(root, envOf('split'), ['--queue', 'small,big'], 240_000);
    const most = mostPerQueue(run);
    // while it runs, lc scheduler status lists the pilots per queue
    let st: StatusJson = {};
    const perQueue = async () => {
      const r = await lc(['scheduler', 'status', '--queue', 'small,big', '--json'], { cwd: root, env: envOf('split') });
      st = JSON.parse(r.stdout || '{}') as StatusJson;
      return new Set(st.pilots?.jobs.map((j) => j.queue)).size === 2;
    };
    expect(await waitFor(perQueue, 90_000, 1_000), out()).toBe(true);
    expect(st.pilots?.queue).toBe('small,big');
    expect(st.pilots?.max_jobs).toBe(3);
    expect(st.pilots?.queues.map((q) => [q.queue, q.max_jobs])).toEqual([
      ['small', 2],
      ['big', 1],
    ]);
    const r = await run;
    expect(r.exitCode, out()).toBe(0);
    expect(Object.fromEntries(await most)).toEqual({ 'lc-pilot-small': 2, 'lc-pilot-big': 1 });
    const small = ranIn(root, 'small');
    const big = ranIn(root, 'big');
    expect(small).toHaveLength(4);
    expect(big).toHaveLength(4);
    expect(new Set(small.map((p) => p.name))).toEqual(new Set(['lc-pilot-small']));
    expect(new Set(big.map((p) => p.name))).toEqual(new Set(['lc-pilot-big']));
    // and no job ran tasks of both queues
    const smallJobs = new Set(small.map((p) => p.id));
    expect(big.filter((p) => smallJobs.has(p.id))).toEqual([]);
    // nothing left to do: every queue's pilots are cancelled after the idle time (5 s here)
    expect(await waitFor(async () => (await pilots()).length === 0, 45_000)).toBe(true);
  });

  test('a session started for small takes on big when a later run asks for small,big', async () => {
    const root = project('grow', 2);
    const first = await lc(['run', '--plain', '--queue', 'small', 'small'], { cwd: root, env: envOf('grow') });
    expect(first.exitCode, first.stdout + first.stderr).toBe(0);
    expect(session('grow').meta.queues?.map((q) => q.name)).toEqual(['small']);
    const second = await lc(['run', '--plain', '--queue', 'small,big'], { cwd: root, env: envOf('grow') });
    expect(second.exitCode, second.stdout + second.stderr).toBe(0);
    // the same session: no second scheduler was started
    expect(second.stderr).not.toMatch(/starting a Dask scheduler/);
    const { meta, log } = session('grow');
    expect(meta.queues?.map((q) => q.name)).toEqual(['small', 'big']);
    expect(log).toMatch(/a run routes tasks to queue big too: submitting its pilot jobs from now on \(up to 1\)/);
    expect(new Set(ranIn(root, 'small').map((p) => p.name))).toEqual(new Set(['lc-pilot-small']));
    expect(new Set(ranIn(root, 'big').map((p) => p.name))).toEqual(new Set(['lc-pilot-big']));
    const st = JSON.parse(
      (await lc(['scheduler', 'status', '--queue', 'small', '--json'], { cwd: root, env: envOf('grow') })).stdout,
    ) as StatusJson;
    expect(st.pilots?.queues.map((q) => q.queue)).toEqual(['small', 'big']);
    expect(await waitFor(async () => (await pilots()).length === 0, 45_000)).toBe(true);
  });

  test('a task no queue holds is refused, naming the task and the queues, before anything is submitted', async () => {
    const root = project(
      'none',
      1,
      `  - id: huge
    type: data
    decisions: [rep]
    recipe:
      command: "true"
      resources: {cpus: 3}
`,
    );
    const run = lc(['run', '--plain', '--queue', 'small,big'], { cwd: root, env: envOf('none') });
    const most = mostPerQueue(run);
    const r = await run;
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/DOES_NOT_FIT/);
    expect(r.stderr).toMatch(/huge asks for cpus=3, more than any node of .*queue small: cpus=1.*queue big: cpus=2/);
    expect(r.stderr).toMatch(/task r0\/huge would fail/);
    expect(Object.fromEntries(await most)).toEqual({});
    expect(await pilots()).toEqual([]);
  });
});
