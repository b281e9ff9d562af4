/**
 * `lc run` inside real SLURM allocations, on a network where every node has its own address:
 * `salloc -N2 lc run --plain` (lc in the submit host's shell) spreads tasks over both nodes within
 * each node's cpus from a scheduler on the first node, a second run reuses it, the end of the
 * allocation takes it down; lc run inside the first node works the same; an sbatch job's log is
 * plain text; and a scheduler the workers cannot reach is reported within seconds, as one error.
 */
import { execa } from 'execa';
import { existsSync, readFileSync, readdirSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LC, tempDir, writeProject } from '../helpers/lc.js';
import { addressHost } from '../../engine/scheduler/start-failure.js';
import {
  allocate,
  clusterEnv,
  killMatching,
  nodeAddress,
  probeProject,
  processesMatching,
  waitFor,
} from './helpers.js';

let dir: string;
let cleanup: () => void;

beforeAll(() => {
  ({ dir, cleanup } = tempDir('lc-hpc-run-'));
});
afterAll(() => {
  killMatching(dir);
  cleanup();
});

function manifests(root: string): { host: string; executor: string; file: string }[] {
  const out: { host: string; executor: string; file: string }[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === '.lightcone-manifest.json')
        out.push({ ...(JSON.parse(readFileSync(p, 'utf8')) as { host: string; executor: string }), file: p });
    }
  };
  walk(join(root, 'results'));
  return out;
}

function probes(root: string): { host: string; s: number; e: number }[] {
  return manifests(root).map((m) => {
    const [host, s, e] = readFileSync(join(m.file, '..', 'probe.txt'), 'utf8')
      .trim()
      .split(' ');
    return { host: host as string, s: Number(s), e: Number(e) };
  });
}

function maxOverlapPerHost(rows: { host: string; s: number; e: number }[]): number {
  let worst = 0;
  for (const host of new Set(rows.map((r) => r.host))) {
    const pts = rows.filter((r) => r.host === host).flatMap((r) => [[r.s, 1] as const, [r.e, -1] as const]);
    pts.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let cur = 0;
    for (const [, d] of pts) worst = Math.max(worst, (cur += d));
  }
  return worst;
}

describe('lc run in SLURM allocations', () => {
  test('salloc -N2 lc run --plain: both nodes, cpus honoured, the second run reuses the scheduler, the allocation’s end stops it', async () => {
    const env = clusterEnv();
    const cpus = Number(env.LC_CLUSTER_CPUS);
    const project = writeProject(join(dir, 'probe'), probeProject(4, cpus, 1));
    const scratch = join(dir, 'scratch-salloc');
    const snap = join(dir, 'snap');
    // one allocation, two runs; state is copied between them to compare
    const script = [
      'set -e',
      `lc() { "${process.execPath}" "${LC}" "$@"; }`,
      'lc run --plain > run1.out 2>&1',
      `sd=${scratch}/.lightcone/scheduler/slurm-$SLURM_JOB_ID`,
      `cp $sd/meta.json ${snap}-meta1.json; cp $sd/activity.json ${snap}-act1.json`,
      'lc run --plain --force > run2.out 2>&1',
      `cp $sd/meta.json ${snap}-meta2.json; cp $sd/activity.json ${snap}-act2.json`,
      'echo $SLURM_JOB_ID > jobid',
    ].join('\n');
    const r = await execa('salloc', ['-N2', '--exclusive', 'bash', '-c', script], {
      cwd: project,
      env: { ...env, LIGHTCONE_SCRATCH: scratch, NO_COLOR: '1' },
      reject: false,
      timeout: 170_000,
    });
    const run1 = existsSync(join(project, 'run1.out')) ? readFileSync(join(project, 'run1.out'), 'utf8') : '';
    expect(r.exitCode, `${r.stderr}\n${run1}`).toBe(0);
    expect(run1).toMatch(/plan\s+4 to run.*executor dask/);
    expect(run1).toMatch(/done\s+4 ok/);

    const ms = manifests(project);
    expect(ms).toHaveLength(4);
    expect(new Set(ms.map((m) => m.executor))).toEqual(new Set(['dask']));
    expect(new Set(ms.map((m) => m.host))).toEqual(new Set(['node1', 'node2']));
    // every task needs all cpus of a node: never two at once on one node
    expect(maxOverlapPerHost(probes(project))).toBe(1);

    const m1 = readFileSync(`${snap}-meta1.json`, 'utf8');
    // lc ran on the submit host; the scheduler runs inside the allocation, on its first node,
    // at an address the other node reaches (never loopback)
    const meta1 = JSON.parse(m1) as { host: string; address: string };
    expect(addressHost(meta1.address)).toBe(nodeAddress(env, 1));
    if (env.LC_CLUSTER_NET === 'netns') expect(meta1.address).not.toMatch(/127\.0\.0\.|localhost/);
    expect(readFileSync(`${snap}-meta2.json`, 'utf8')).toBe(m1); // same scheduler, same supervisor
    const workers = (f: string) =>
      (JSON.parse(readFileSync(f, 'utf8')) as { workers: { address: string }[] }).workers.map((w) => w.address).sort();
    expect(workers(`${snap}-act2.json`)).toEqual(workers(`${snap}-act1.json`)); // no new workers
    expect(readFileSync(join(project, 'run2.out'), 'utf8')).toMatch(/done\s+4 ok/);

    // salloc has ended: the supervisor sees its srun step end and removes everything
    const jobId = readFileSync(join(project, 'jobid'), 'utf8').trim();
    const sd = join(scratch, '.lightcone', 'scheduler', `slurm-${jobId}`);
    expect(await waitFor(() => !existsSync(sd) && processesMatching(scratch).length === 0, 60_000)).toBe(true);
  });

  test('lc inside the first node (srun -N1 -n1 --overlap lc run --plain in salloc): tasks on both nodes, the scheduler there', async () => {
    const env = clusterEnv();
    const cpus = Number(env.LC_CLUSTER_CPUS);
    const project = writeProject(join(dir, 'inside'), probeProject(4, cpus, 0.5));
    const scratch = join(dir, 'scratch-inside');
    const script = [
      'set -e',
      `"${process.execPath}" "${LC}" run --plain > run.out 2>&1`,
      `cp ${scratch}/.lightcone/scheduler/slurm-$SLURM_JOB_ID/meta.json meta.json`,
      'hostname > lc-host',
      // stop it here: when the step ends SLURM kills what is left of it, which can take a while
      `"${process.execPath}" "${LC}" scheduler stop > stop.out 2>&1`,
    ].join('\n');
    // as a user types it in the salloc shell: the step's environment is SLURM's own
    const r = await execa('salloc', ['-N2', '--exclusive', 'srun', '-N1', '-n1', '--overlap', 'bash', '-c', script], {
      cwd: project,
      env: { ...env, LIGHTCONE_SCRATCH: scratch, NO_COLOR: '1' },
      reject: false,
      timeout: 170_000,
    });
    const out = existsSync(join(project, 'run.out')) ? readFileSync(join(project, 'run.out'), 'utf8') : '';
    expect(r.exitCode, `${r.stderr}\n${out}`).toBe(0);
    expect(out).toMatch(/done\s+4 ok/);
    expect(readFileSync(join(project, 'lc-host'), 'utf8').trim()).toBe('node1');
    expect(new Set(manifests(project).map((m) => m.host))).toEqual(new Set(['node1', 'node2']));
    const meta = JSON.parse(readFileSync(join(project, 'meta.json'), 'utf8')) as { host: string; address: string };
    expect(meta.host).toBe('node1');
    expect(addressHost(meta.address)).toBe(nodeAddress(env, 1));
    expect(readFileSync(join(project, 'stop.out'), 'utf8')).toContain('stopped the slurm scheduler');
    expect(await waitFor(() => processesMatching(scratch).length === 0, 60_000)).toBe(true);
  });

  test('lc status on the submit host sees an lc run going on a node: its running task, on that node, and the run', async () => {
    const alloc = await allocate(1);
    try {
      const flag = join(dir, 'status-from-afar-release');
      const project = writeProject(join(dir, 'status-from-afar'), {
        'astra.yaml': `id: afar
version: "0.0.12"
name: Afar
inputs: []
decisions: {}
outputs:
  - id: held
    type: data
    recipe: {command: 'while [ ! -f ${flag} ]; do sleep 0.1; done; hostname > {output}/host'}
`,
        'universes/u.yaml': 'id: u\ndecisions: {}\n',
      });
      const scratch = join(dir, 'scratch-afar');
      const env = { ...alloc.env, LIGHTCONE_SCRATCH: scratch, NO_COLOR: '1' };
      const run = execa(
        'srun',
        ['-N1', '-n1', '--overlap', process.execPath, LC, 'run', '--plain', '--executor', 'local'],
        {
          cwd: project,
          env,
          reject: false,
          timeout: 120_000,
        },
      );
      // from the submit host, outside the allocation: another host name, the same scratch
      const here = { ...clusterEnv(), LIGHTCONE_SCRATCH: scratch, NO_COLOR: '1' };
      const statusDoc = async () => {
        const r = await execa(process.execPath, [LC, 'status', '--json'], { cwd: project, env: here, reject: false });
        return JSON.parse(r.stdout) as {
          run: { host: string; held: boolean; progress: { running: number } | null } | null;
          tasks: { id: string; state: string; live: { host: string } | null }[];
        };
      };
      let doc = await statusDoc();
      const seen = await waitFor(async () => (doc = await statusDoc()).tasks[0]?.state === 'running', 60_000);
      writeFileSync(flag, '');
      const end = await run;
      expect(seen, JSON.stringify(doc)).toBe(true);
      // the node SLURM gave the allocation (the first free one)
      const node = String(
        (await execa('squeue', ['-h', '-j', alloc.jobId, '-o', '%N'], { env: clusterEnv() })).stdout,
      ).trim();
      expect(doc.run).toMatchObject({ host: node, held: true, progress: { running: 1 } });
      expect(doc.tasks[0]?.live).toMatchObject({ host: node });
      expect(end.exitCode, end.stdout + end.stderr).toBe(0);
      expect((await statusDoc()).run).toBeNull();
    } finally {
      await alloc.release();
    }
  });

  test("a task no Dask worker can hold: refused before anything starts, naming the workers' resources", async () => {
    const alloc = await allocate(2);
    try {
      const cpus = Number(alloc.env.LC_CLUSTER_CPUS);
      const project = writeProject(join(dir, 'too-big'), probeProject(2, cpus + 1, 0.1));
      const scratch = join(dir, 'scratch-too-big');
      const env = { ...alloc.env, LIGHTCONE_SCRATCH: scratch, NO_COLOR: '1' };
      const r = await execa(process.execPath, [LC, 'run', '--plain'], {
        cwd: project,
        env,
        reject: false,
        timeout: 120_000,
      });
      expect(r.exitCode, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(
        new RegExp(
          `astra\\.yaml:\\d+:\\d+ DOES_NOT_FIT probe asks for cpus=${cpus + 1}, more than any node of the Dask workers has \\(node\\d: cpus=${cpus} `,
        ),
      );
      expect(r.stderr).toContain('nothing was started [PREFLIGHT]');
      expect(existsSync(join(project, 'results'))).toBe(false);
      await execa(process.execPath, [LC, 'scheduler', 'stop'], { cwd: project, env, reject: false });
    } finally {
      await alloc.release();
    }
  });

  test('a scheduler the workers cannot reach: one clear error within 10 s, no task failed, nothing left running', async () => {
    const alloc = await allocate(2);
    try {
      const project = writeProject(join(dir, 'unreachable'), probeProject(3, 1, 0.1));
      const scratch = join(dir, 'scratch-unreachable');
      const env = { ...alloc.env, LIGHTCONE_SCRATCH: scratch, NO_COLOR: '1' };
      // loopback: node1's own worker reaches it there, node2's cannot
      const t0 = Date.now();
      const r = await execa(process.execPath, [LC, 'run', '--plain'], {
        cwd: project,
        env: { ...env, LC_SCHEDULER_INTERFACE: 'lo' },
        reject: false,
        timeout: 60_000,
      });
      const took = Date.now() - t0;
      expect(r.exitCode, r.stdout + r.stderr).toBe(1);
      expect(took).toBeLessThan(10_000);
      const log = join(scratch, '.lightcone', 'scheduler', `slurm-${alloc.jobId}`, 'scheduler.log');
      expect(r.stderr).toMatch(
        /the Dask workers on node2 cannot reach the session scheduler at tls:\/\/127\.0\.0\.1:\d+/,
      );
      expect(r.stderr).toContain(`see ${log}`);
      expect(r.stderr).toContain('3 tasks not started');
      expect(r.stderr).toContain('127.0.0.1 is a loopback address');
      expect(r.stdout + r.stderr).not.toMatch(/internal error|internal_error|Traceback/);
      // nothing recorded as a failure: every task is simply not built
      const st = await execa(process.execPath, [LC, 'status', '--json'], { cwd: project, env, reject: false });
      const tasks = (JSON.parse(st.stdout) as { tasks: { state: string }[] }).tasks;
      expect(tasks.map((t) => t.state)).toEqual(['missing', 'missing', 'missing']);
      expect(await waitFor(() => processesMatching(scratch).length === 0, 30_000)).toBe(true);
      // and the next run, on the default address, works
      const again = await execa(process.execPath, [LC, 'run', '--plain'], {
        cwd: project,
        env,
        reject: false,
        timeout: 120_000,
      });
      expect(again.exitCode, again.stdout + again.stderr).toBe(0);
      await execa(process.execPath, [LC, 'scheduler', 'stop'], { cwd: project, env, reject: false });
    } finally {
      await alloc.release();
    }
  });

  test('sbatch a script that runs lc run --plain: the job completes and its log is clean plain text', async () => {
    const env = clusterEnv();
    const project = writeProject(join(dir, 'batch'), probeProject(2, 1, 0.2));
    const scratch = join(dir, 'scratch-sbatch');
    const job = join(dir, 'job.sh');
    writeFileSync(
      job,
      `#!/bin/bash\nset -e\ncd ${project}\nexport LIGHTCONE_SCRATCH=${scratch}\n"${process.execPath}" "${LC}" run --plain\n`,
    );
    chmodSync(job, 0o755);
    const out = join(dir, 'job-%j.out');
    // a terminal-like environment on purpose: the job's stdout is a file, so no colour
    const sub = await execa('sbatch', ['--parsable', '-N2', '-o', out, job], {
      env: { ...env, TERM: 'xterm-256color' },
    });
    const jobId = sub.stdout.trim().split(';')[0] as string;
    expect(
      await waitFor(
        async () => (await execa('squeue', ['-h', '-j', jobId], { env, reject: false })).stdout.trim() === '',
        120_000,
        500,
      ),
    ).toBe(true);
    const state = await execa('scontrol', ['show', 'job', jobId], { env, reject: false });
    expect(state.stdout).toContain('JobState=COMPLETED');
    const log = readFileSync(out.replace('%j', jobId), 'utf8');
    expect(log).toMatch(/plan\s+2 to run.*executor dask/);
    expect(log).toMatch(/done\s+2 ok/);
    expect(log.includes('\u001b')).toBe(false); // no ANSI escape of any kind
    expect(log).not.toMatch(/Traceback|distributed\./); // no Dask chatter in the job log
    expect(new Set(manifests(project).map((m) => m.executor))).toEqual(new Set(['dask']));
    const sd = join(scratch, '.lightcone', 'scheduler', `slurm-${jobId}`);
    expect(await waitFor(() => !existsSync(sd) && processesMatching(scratch).length === 0, 60_000)).toBe(true);
  });
});
