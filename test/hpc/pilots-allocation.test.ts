/**
 * Pilot jobs beside an allocation, on the real 2-node test cluster: inside a one-node
 * allocation, `lc run --queue cpu` runs on the allocation's node and, while tasks wait, in a
 * pilot job of the queue on the other node (submitted with the queue's header, ended when idle);
 * without `--queue` the same session submits nothing; `lc scheduler stop` cancels the run and
 * the pilots with it, and nothing is left in squeue.
 */
import { execa } from 'execa';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { lc, LC, tempDir, writeProject } from '../helpers/lc.js';
import {
  allocate,
  clusterEnv,
  drainPilots,
  killMatching,
  pilotJobs,
  PY,
  replicaSweep,
  startLcRun,
  waitClusterIdle,
  waitFor,
  type Allocation,
} from './helpers.js';

let dir: string;
let cleanup: () => void;
let base: Record<string, string>;
let alloc: Allocation | undefined;

beforeAll(() => {
  ({ dir, cleanup } = tempDir('lc-hpc-alloc-pilots-'));
  base = { ...clusterEnv(), LC_PYTHON: PY, LC_PILOT_IDLE_TIMEOUT: '5', NO_COLOR: '1' };
});
beforeEach(async () => {
  expect(await waitClusterIdle(base)).toBe(true);
  alloc = await allocate(1);
});
afterEach(async () => {
  // the allocation's session first (it cancels its pilots), then the allocation
  for (const project of readdirSync(dir))
    await lc(['scheduler', 'stop'], { cwd: join(dir, project), env: envOf(project) });
  await alloc?.release();
  alloc = undefined;
});
afterAll(async () => {
  await drainPilots(base);
  killMatching(dir);
  cleanup();
});

/** lc's environment inside the test's allocation, with the project's own scratch. */
const envOf = (name: string) => ({
  ...base,
  ...(alloc?.env ?? {}),
  LIGHTCONE_SCRATCH: join(dir, `${name}-scratch`),
});

const QUEUE = `queues:
  cpu:
    nodes: 1
    cpus: 2
    memory: 1GB
    walltime: "00:10:00"
    lifetime_margin: 1m
    partition: debug
    sbatch: ["--comment=lc-pilot-beside"]
    max_jobs: 1
`;

/** n tasks of one node's cpus each, writing the host they ran on, then sleeping. */
function project(name: string, n: number, sleepS: number): string {
  const cpus = Number(base.LC_CLUSTER_CPUS);
  return writeProject(join(dir, name), {
    ...replicaSweep(
      'beside',
      'Beside',
      n,
      `  - id: probe
    type: data
    decisions: [rep]
    recipe:
      command: "hostname > {output}/host.txt; sleep ${sleepS}"
      resources: {cpus: ${cpus}}
`,
    ),
    '.lightcone/lightcone.yaml': QUEUE,
  });
}

function hosts(root: string): string[] {
  return readdirSync(join(root, 'results')).map((u) =>
    readFileSync(join(root, 'results', u, 'probe', 'host.txt'), 'utf8').trim(),
  );
}

/** The one node of the test's allocation. */
async function allocationNode(): Promise<string> {
  const r = await execa('squeue', ['-h', '-j', alloc?.jobId as string, '-o', '%N'], { env: base });
  return String(r.stdout).trim();
}

describe('pilot jobs beside an allocation', () => {
  test('lc run --queue in a one-node allocation: tasks on its node and in a pilot on the other, with the queue’s header; the pilot ends when idle', async () => {
    const root = project('beside', 4, 6);
    const e = envOf('beside');
    const { run, out } = startLcRun(root, e, ['--queue', 'cpu']);
    // the allocation's node runs one task at a time: the others wait, and a pilot is submitted
    let pilot: { id: string } | undefined;
    expect(await waitFor(async () => (pilot = (await pilotJobs(base))[0]) !== undefined, 60_000), out()).toBe(true);
    const job = String((await execa('scontrol', ['show', 'job', pilot?.id as string], { env: base })).stdout);
    expect(job).toMatch(/Comment=lc-pilot-beside/);
    expect(job).toMatch(/Partition=debug/);
    const r = await run;
    expect(r.exitCode, out()).toBe(0);
    expect(out()).toMatch(/done {3}4 ok/);
    const own = await allocationNode();
    const ran = hosts(root);
    expect(ran).toContain(own);
    // the pilot took work: its node is the other one
    expect(
      ran.some((h) => h !== own),
      ran.join(' '),
    ).toBe(true);
    // idle for LC_PILOT_IDLE_TIMEOUT: the pilot is cancelled, the allocation's session stays
    expect(await waitFor(async () => (await pilotJobs(base)).length === 0, 60_000)).toBe(true);
    const status = JSON.parse((await lc(['scheduler', 'status', '--json'], { cwd: root, env: e })).stdout) as {
      mode: string;
      running: boolean;
      pilots?: { jobs: unknown[] };
    };
    expect(status).toMatchObject({ mode: 'slurm', running: true, pilots: { jobs: [] } });
  });

  test('without --queue the allocation’s session submits no pilot, however many tasks wait', async () => {
    const root = project('alone', 3, 2);
    const e = envOf('alone');
    const run = execa(process.execPath, [LC, 'run', '--plain'], { cwd: root, env: e, reject: false, all: true });
    let seen = 0;
    while (run.exitCode === null) {
      seen += (await pilotJobs(base)).length;
      await new Promise((r) => setTimeout(r, 300));
    }
    const r = await run;
    expect(r.exitCode, r.all).toBe(0);
    expect(seen).toBe(0);
    expect(new Set(hosts(root))).toEqual(new Set([await allocationNode()]));
  });

  test('lc scheduler stop in the allocation cancels the run and its pilot', async () => {
    const root = project('stop', 3, 60);
    const e = envOf('stop');
    const { run, out } = startLcRun(root, e, ['--queue', 'cpu']);
    // one task on the allocation's node, one in the pilot
    expect(await waitFor(() => (out().match(/ start /g) ?? []).length >= 2, 90_000), out()).toBe(true);
    expect((await pilotJobs(base)).length).toBe(1);
    const stop = await lc(['scheduler', 'stop'], { cwd: root, env: e });
    expect(stop.exitCode, stop.stderr).toBe(0);
    const r = await run;
    expect(r.exitCode, out()).toBe(130);
    expect(await waitFor(async () => (await pilotJobs(base)).length === 0, 30_000)).toBe(true);
  });
});
