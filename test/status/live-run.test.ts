/**
 * `lc status` and `lc verify` while an `lc run` holds the project: the tasks it runs are
 * `running` (where, since when) and `queued`, not their last record; a first line names the
 * run; verify does not check what the run has not finished. A run killed outright leaves its
 * lock: status says so and reports the records. Through the built `lc`, real processes.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/lc.js';
import { LiveRun, runLc, startedPids, sweepProject } from '../runner/helpers.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir('lc-live-status-')));
afterAll(() => cleanup());

/** A recipe that fails while `<flags>/fail` exists, else waits for `<flags>/release`. */
const hold = (flags: string) =>
  `if [ -f ${flags}/fail ]; then exit 3; fi; while [ ! -f ${flags}/release ]; do sleep 0.05; done; echo x > {output}/x`;

interface StatusDoc {
  schema: number;
  run: { command: string; pid: number; host: string; held: boolean; progress: Record<string, number> | null } | null;
  tasks: {
    id: string;
    state: string;
    reasons?: unknown;
    live: { state: string; host: string | null; since: string } | null;
  }[];
  summary: Record<string, number>;
}

async function status(root: string, scratch: string): Promise<StatusDoc> {
  const r = await runLc(['status', '--json'], root, scratch);
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as StatusDoc;
}

/** a and d held (a run of them shows one running, one queued with -j1); b reads a; c just runs. */
async function heldRun(name: string) {
  const flags = join(dir, `${name}-flags`);
  mkdirSync(flags);
  const root = sweepProject(
    join(dir, name),
    ['x'],
    `  - id: a
    type: data
    recipe: {command: '${hold(flags)}'}
  - id: b
    type: data
    inputs: [a]
    recipe: {command: "true"}
  - id: c
    type: data
    recipe: {command: "true"}
  - id: d
    type: data
    recipe: {command: '${hold(flags)} d'}
`,
  );
  const scratch = join(dir, `${name}-scratch`);
  // The first run leaves a and d failed (and b blocked): the records a live run must not show.
  writeFileSync(join(flags, 'fail'), '');
  expect((await runLc(['run', '--plain', '--keep-going'], root, scratch)).exitCode).toBe(1);
  rmSync(join(flags, 'fail'));
  const run = new LiveRun(['--plain', '-j1'], root, scratch);
  let doc = await status(root, scratch);
  for (let i = 0; i < 200 && !doc.tasks.some((t) => t.state === 'running'); i++) {
    await new Promise((r) => setTimeout(r, 50));
    doc = await status(root, scratch);
  }
  return { root, scratch, run, doc, release: () => writeFileSync(join(flags, 'release'), '') };
}

describe('lc status during a run', () => {
  it('running and queued tasks, the run named with its progress; verify leaves them alone', async () => {
    const { root, scratch, run, doc, release } = await heldRun('held');
    try {
      expect(doc.schema).toBe(2);
      expect(doc.run).toMatchObject({ command: 'lc run', pid: run.pid, host: hostname(), held: true });
      expect(doc.run?.progress).toMatchObject({ planned: 3, succeeded: 0, running: 1, queued: 1 });
      const byId = Object.fromEntries(doc.tasks.map((t) => [t.id, t]));
      expect(new Set([byId['x/a']?.state, byId['x/d']?.state])).toEqual(new Set(['running', 'queued']));
      const running = doc.tasks.find((t) => t.state === 'running');
      expect(running?.live).toMatchObject({ state: 'running', host: hostname() });
      expect(Date.parse(running?.live?.since ?? '')).toBeGreaterThan(Date.now() - 60_000);
      expect(byId['x/c']).toMatchObject({ state: 'ok', live: null });
      expect(doc.summary).toMatchObject({ running: 1, queued: 1, ok: 1, failed: 0 });

      const text = await runLc(['status'], root, scratch);
      expect(text.stdout.split('\n')[0]).toMatch(
        new RegExp(
          `^lc run \\(pid ${run.pid} on ${hostname()}, started .*\\) is running, for .*: 0/3 done, 1 running, 1 queued$`,
        ),
      );
      expect(text.stdout).toMatch(new RegExp(`running +x +on ${hostname()} since `));

      const v = await runLc(['verify', '--json'], root, scratch);
      expect(v.exitCode, v.stdout).toBe(0);
      const vd = JSON.parse(v.stdout) as {
        run: { held: boolean };
        summary: Record<string, number>;
        results: { id: string }[];
      };
      expect(vd.run.held).toBe(true);
      expect(vd.summary).toMatchObject({ in_run: 3, verified: 1, passed: 1 });
      expect(vd.results.map((r) => r.id)).toEqual(['x/c']);
    } finally {
      release();
      const end = await run.exit();
      expect(end.exitCode, end.output).toBe(0);
    }
    const after = await status(root, scratch);
    expect(after.run).toBeNull();
    expect(after.summary, JSON.stringify(after.tasks)).toMatchObject({ ok: 4, running: 0 });
  });

  it('a run killed outright: its lock is reported as left behind, and the records are shown', async () => {
    const { root, scratch, run, release } = await heldRun('killed');
    const tasks = startedPids(scratch, root);
    process.kill(run.pid, 'SIGKILL');
    await run.exit();
    try {
      const doc = await status(root, scratch);
      expect(doc.run).toMatchObject({ pid: run.pid, held: false, progress: null });
      expect(doc.summary).toMatchObject({ running: 0, queued: 0 });
      expect(doc.tasks.every((t) => t.live === null)).toBe(true);
      const text = await runLc(['status'], root, scratch);
      expect(text.stdout.split('\n')[0]).toMatch(
        /^lc run \(pid \d+ on .*\) left its lock and is gone: states are as recorded$/,
      );
    } finally {
      release();
      for (const pgid of tasks) {
        try {
          process.kill(-pgid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  });
});
