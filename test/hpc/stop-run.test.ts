/**
 * Stopping the session scheduler while `lc run` executes tasks on it (`lc scheduler stop`, the
 * TUI's stop key, the allocation's end) is a cancellation of that run, not an executor failure:
 * its running tasks are reported as cancelled by the stop (by whom), queued ones as not started,
 * no manifest is written, the run exits 130 with an epilog that says so, and the next `lc run`
 * starts a new scheduler and completes them.
 *   - in a 2-node SLURM allocation, through the warm bridge (it announces the stop and cancels);
 *   - in local mode through a private bridge (socket path too long for a warm one), where the
 *     executor learns of the stop from the session's meta.json.
 * And Ctrl-C of the run itself in an allocation: the same outcome, with the scheduler left up.
 * In both SLURM cases ten tasks wait behind the two running ones, and none of them may start.
 */
import { execa } from 'execa';
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunEvent } from '../../engine/events.js';
import { latestJournal, readJournal } from '../../engine/runner/journal.js';
import { scratchPaths } from '../../engine/scratch/paths.js';
import { lc, LC, tempDir, writeProject } from '../helpers/lc.js';
import {
  allocate,
  clusterEnv,
  killMatching,
  probeProject,
  processesMatching,
  waitFor,
  type Allocation,
} from './helpers.js';

let dir: string;
let cleanup: () => void;

beforeAll(() => {
  ({ dir, cleanup } = tempDir('lc-hpc-stoprun-'));
});
afterAll(() => {
  killMatching(dir);
  cleanup();
});

function manifestCount(root: string): number {
  let n = 0;
  const walk = (d: string): void => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name === '.lightcone-manifest.json') n++;
    }
  };
  walk(join(root, 'results'));
  return n;
}

interface StoppedRun {
  exitCode: number;
  out: string;
  events: RunEvent[];
  badLines: number;
}

/** `lc run --plain` until `running` tasks started, then `lc scheduler stop`; the run's output and journal. */
async function runAndStopScheduler(
  project: string,
  env: Record<string, string>,
  running: number,
  args: string[] = [],
): Promise<StoppedRun> {
  const run = execa(process.execPath, [LC, 'run', '--plain', ...args], {
    cwd: project,
    env: { ...env, NO_COLOR: '1' },
    reject: false,
    all: true,
    timeout: 170_000,
  });
  let out = '';
  run.all?.on('data', (d: Buffer) => (out += d.toString()));
  const started = await waitFor(() => (out.match(/ start /g) ?? []).length >= running, 120_000);
  expect(started, out).toBe(true);
  const stop = await lc(['scheduler', 'stop'], { cwd: project, env });
  expect(stop.exitCode, stop.stderr).toBe(0);
  const r = await run;
  const journal = latestJournal(scratchPaths(project, env));
  expect(journal).not.toBeNull();
  const { events, badLines } = await readJournal(journal as string);
  return { exitCode: r.exitCode ?? -1, out: String(r.all ?? out), events, badLines };
}

/** What every stopped run must show, whatever the bridge. */
function expectCancelledByStop(res: StoppedRun, project: string, planned: number, running: number): void {
  const { exitCode, out, events, badLines } = res;
  expect(exitCode, out).toBe(130);
  expect(events.filter((e) => e.type === 'task_started')).toHaveLength(running);
  expect(badLines).toBe(0); // the journal schema knows the new reason
  const cancelling = events.filter((e) => e.type === 'run_cancelling');
  expect(cancelling).toHaveLength(1);
  expect(cancelling[0]).toMatchObject({ reason: 'scheduler' });
  expect((cancelling[0] as { detail?: string }).detail).toMatch(
    /^the session scheduler was stopped by lc scheduler stop \(pid \d+/,
  );

  // the running tasks were cancelled by the stop, never failed as a broken executor
  const failed = events.filter((e) => e.type === 'task_failed');
  expect(failed.map((e) => e.reason)).toEqual(Array(running).fill('cancelled'));
  for (const f of failed)
    expect(f.tail.join('\n')).toContain('lc: the session scheduler was stopped by lc scheduler stop');
  const skipped = events.filter((e) => e.type === 'task_skipped');
  expect(skipped.map((e) => e.reason)).toEqual(Array(planned - running).fill('cancelled'));
  expect(events.at(-1)).toMatchObject({
    type: 'run_finished',
    succeeded: 0,
    failed: 0,
    cancelled: running,
    skipped: planned - running,
  });
  expect(manifestCount(project)).toBe(0);

  // the plain output says what happened, and the epilog says it again with what to do
  expect(out).not.toMatch(/bridge went away|internal error/);
  expect(out).toMatch(
    /stop\s+the session scheduler was stopped by lc scheduler stop .*: its tasks are cancelled, no manifest is written for them/,
  );
  expect(out).toMatch(new RegExp(`done\\s+0 ok, ${running} cancelled, ${planned - running} not started`));
  expect(out).toMatch(/cancelled: the session scheduler was stopped by lc scheduler stop .*; lc run again to finish/);
}

describe('stopping the session scheduler under a run', () => {
  let alloc: Allocation | undefined;
  afterAll(async () => {
    await alloc?.release();
  });

  test('SLURM: lc scheduler stop cancels the run’s tasks on both nodes; none of the queued ones starts; the next run completes them', async () => {
    const cpus = Number(clusterEnv().LC_CLUSTER_CPUS);
    // each task takes a whole node: two run (one per node), ten wait in Dask's queue. Killing a
    // running task frees its node, which must not go to a queued task (the stop cancels those first)
    const planned = 12;
    const project = writeProject(join(dir, 'slurm'), probeProject(planned, cpus, 60));
    alloc = await allocate(2);
    const env = { ...alloc.env, LIGHTCONE_SCRATCH: join(dir, 'scratch-slurm') };

    const res = await runAndStopScheduler(project, env, 2);
    expectCancelledByStop(res, project, planned, 2);
    const sd = join(env.LIGHTCONE_SCRATCH, '.lightcone', 'scheduler', `slurm-${alloc.jobId}`);
    expect(await waitFor(() => !existsSync(join(sd, 'meta.json')), 30_000)).toBe(true);
    expect(processesMatching(env.LIGHTCONE_SCRATCH)).toEqual([]);

    // a short recipe now: the next run starts a new scheduler and completes them all
    writeProject(project, probeProject(planned, cpus, 0.2));
    const again = await lc(['run', '--plain'], { cwd: project, env });
    expect(again.exitCode, `${again.stdout}\n${again.stderr}`).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`done\\s+${planned} ok`));
    expect(manifestCount(project)).toBe(planned);
    await lc(['scheduler', 'stop'], { cwd: project, env });
  });

  test('SLURM: Ctrl-C of lc run cancels its running tasks on both nodes, and none of the queued ones starts', async () => {
    const cpus = Number(clusterEnv().LC_CLUSTER_CPUS);
    const planned = 12;
    const project = writeProject(join(dir, 'slurm-int'), probeProject(planned, cpus, 60));
    alloc ??= await allocate(2);
    const env = { ...alloc.env, LIGHTCONE_SCRATCH: join(dir, 'scratch-slurm-int'), NO_COLOR: '1' };
    const run = execa(process.execPath, [LC, 'run', '--plain'], {
      cwd: project,
      env,
      reject: false,
      all: true,
      timeout: 170_000,
    });
    let out = '';
    run.all?.on('data', (d: Buffer) => (out += d.toString()));
    expect(await waitFor(() => (out.match(/ start /g) ?? []).length >= 2, 120_000), out).toBe(true);
    run.kill('SIGINT');
    const r = await run;
    expect(r.exitCode, out).toBe(130);
    const { events } = await readJournal(latestJournal(scratchPaths(project, env)) as string);
    // lc cancels the queued tasks before it stops the running ones: a node freed by a killed
    // task never goes to a task that was about to be cancelled
    expect(events.filter((e) => e.type === 'task_started')).toHaveLength(2);
    expect(events.filter((e) => e.type === 'task_failed').map((e) => e.reason)).toEqual(['cancelled', 'cancelled']);
    expect(events.at(-1)).toMatchObject({ type: 'run_finished', succeeded: 0, cancelled: 2, skipped: planned - 2 });
    expect(manifestCount(project)).toBe(0);
    expect(await waitFor(() => processesMatching('scripts/probe.sh').length === 0, 15_000)).toBe(true);
    await lc(['scheduler', 'stop'], { cwd: project, env });
  });

  test('local mode, private bridge: the stop is read from the session’s state; the next run completes', async () => {
    const base = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('SLURM') && k !== 'DASK_SCHEDULER_ADDRESS'),
    ) as Record<string, string>;
    // a scratch path this long leaves no room for the warm bridge's unix socket
    const scratch = join(dir, 'x'.repeat(80));
    const env = { ...base, LIGHTCONE_SCRATCH: scratch };
    // one worker with this machine's cpus: with one cpu each, all but one of nproc+1 tasks run
    const cpus = availableParallelism();
    const project = writeProject(join(dir, 'local'), probeProject(cpus + 1, 1, 60));
    const res = await runAndStopScheduler(project, env, cpus, ['--executor', 'dask']);
    expectCancelledByStop(res, project, cpus + 1, cpus);

    writeProject(project, probeProject(cpus + 1, 1, 0.5));
    const again = await lc(['run', '--plain', '--executor', 'dask'], { cwd: project, env });
    expect(again.exitCode, `${again.stdout}\n${again.stderr}`).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`done\\s+${cpus + 1} ok`));
    expect(manifestCount(project)).toBe(cpus + 1);
    await lc(['scheduler', 'stop'], { cwd: project, env });
    expect(processesMatching(scratch)).toEqual([]);
  });
});
