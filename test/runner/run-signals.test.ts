/**
 * Interrupting `lc run` with real processes: Ctrl-C (SIGINT) stops gracefully and writes no
 * manifest for interrupted tasks; SIGKILL of lc itself leaves nothing claiming completeness and
 * the next run recovers the lock and the orphans by itself; a second concurrent run is refused.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { tempDir } from '../helpers/lc.js';
import { alive, hasManifest, LiveRun, runLc, startedPids, statusJson, sweepProject } from './helpers.js';

let dir: string;
let cleanup: () => void;
let scratch: string;
let root: string;
const live: LiveRun[] = [];

/** Two universes; `slow` sleeps while slow.flag exists, `after` depends on it. */
beforeEach(() => {
  ({ dir, cleanup } = tempDir('lc-sig-'));
  scratch = join(dir, 'scratch');
  root = sweepProject(
    join(dir, 'p'),
    ['a', 'b'],
    `  - id: slow
    type: data
    decisions: [u]
    recipe:
      command: "echo partial > {output}/part.txt; if [ -f slow.flag ]; then sleep 30; fi; echo done > {output}/x.txt"
  - id: after
    type: data
    inputs: [slow]
    recipe:
      command: "cat {inputs.slow}/x.txt > {output}/y.txt"
`,
    { files: { 'slow.flag': '' } },
  );
});
afterEach(async () => {
  for (const r of live.splice(0)) {
    r.proc.kill('SIGKILL');
    await r.proc.catch(() => undefined);
  }
  for (const pid of startedPidsSafe()) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  cleanup();
});

function startedPidsSafe(): number[] {
  try {
    return startedPids(scratch, root);
  } catch {
    return [];
  }
}

function start(args: string[] = ['-j2', '--plain']): LiveRun {
  const r = new LiveRun(args, root, scratch);
  live.push(r);
  return r;
}

describe('interrupting lc run', () => {
  test('SIGINT: running tasks get SIGTERM, no manifest, a clear summary, exit 130; the next run completes', async () => {
    const run = start();
    await run.waitFor(/start {2}a\/slow[\s\S]*start {2}b\/slow|start {2}b\/slow[\s\S]*start {2}a\/slow/);
    const t0 = Date.now();
    run.proc.kill('SIGINT');
    const r = await run.exit();
    expect(Date.now() - t0).toBeLessThan(8000);
    expect(r.exitCode).toBe(130);
    expect(r.output).toContain('stop   stopping: running tasks get SIGTERM');
    expect(r.output).toMatch(/FAIL {3}a\/slow {2}cancelled/);
    expect(r.output).toMatch(/done {3}0 ok, 2 cancelled, 2 not started/);
    for (const u of ['a', 'b']) {
      expect(hasManifest(root, u, 'slow')).toBe(false);
      expect(existsSync(join(root, 'results', u, 'slow', 'part.txt'))).toBe(true); // partial output, unclaimed
    }
    for (const pid of startedPids(scratch, root)) expect(alive(pid)).toBe(false);
    const st = await statusJson(root, scratch);
    expect(st.get('a/slow')?.state).toBe('failed');
    expect(st.get('a/after')?.state).toBe('missing');

    rmSync(join(root, 'slow.flag'));
    const again = await runLc(['run', '--plain'], root, scratch);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/done {3}4 ok/);
  });

  test('a second SIGINT kills at once, even a task that ignores SIGTERM', async () => {
    writeFileSync(
      join(root, 'astra.yaml'),
      (await import('node:fs'))
        .readFileSync(join(root, 'astra.yaml'), 'utf8')
        .replace('sleep 30', "trap '' TERM; sleep 30"),
    );
    const run = new LiveRun(['-j2', '--plain'], root, scratch, { LIGHTCONE_KILL_GRACE_S: '60' });
    live.push(run);
    await run.waitFor(/start {2}a\/slow/);
    await run.waitFor(/start {2}b\/slow/);
    run.proc.kill('SIGINT');
    await run.waitFor(/stop {3}stopping/);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    run.proc.kill('SIGINT');
    const r = await run.exit();
    expect(Date.now() - t0).toBeLessThan(5000); // not the 60 s grace
    expect(r.exitCode).toBe(130);
    expect(hasManifest(root, 'a', 'slow')).toBe(false);
  });

  test('SIGKILL of lc itself: status shows the tasks missing, and the next run recovers lock and orphans and completes', async () => {
    const run = start();
    await run.waitFor(/start {2}a\/slow/);
    await run.waitFor(/start {2}b\/slow/);
    // The journal flushes in batches: wait (bounded) until it holds both task pids.
    for (let i = 0; i < 100 && startedPids(scratch, root).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    const orphans = startedPids(scratch, root);
    expect(orphans).toHaveLength(2);
    run.proc.kill('SIGKILL');
    await run.exit();
    expect(orphans.every(alive)).toBe(true); // their shell still sleeps: nobody stopped it

    const st = await statusJson(root, scratch);
    expect(st.get('a/slow')?.state).toBe('missing');
    expect(st.get('b/slow')?.state).toBe('missing');

    rmSync(join(root, 'slow.flag'));
    const t0 = Date.now();
    const again = await runLc(['run', '--plain'], root, scratch);
    expect(again.stderr).toBe('');
    expect(again.exitCode).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(again.stdout).toMatch(/done {3}4 ok/);
    expect(orphans.some(alive)).toBe(false);
    expect(hasManifest(root, 'a', 'after')).toBe(true);
  });

  test('a second lc run on the same project is refused at once, naming the holder', async () => {
    const first = start();
    await first.waitFor(/start {2}a\/slow/);
    const t0 = Date.now();
    const second = await runLc(['run', '--plain'], root, scratch);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toContain(
      `this project is already being run: lc run pid ${first.pid} on ${hostname()}, started 20`,
    );
    expect(second.stderr).toContain('RUN_LOCKED');
    // --dry-run takes no lock: it still works while the other run holds it.
    expect((await runLc(['run', '--dry-run'], root, scratch)).exitCode).toBe(0);
    first.proc.kill('SIGINT');
    await first.exit();
  });
});
