/**
 * Watching a run started elsewhere: `lc run --plain` (the built CLI, a separate process) holds
 * the project lock; the TUI attaches to its journal read-only, shows its running tasks, and x
 * asks it to cancel (same host: SIGINT to its pid).
 */
import { execa } from 'execa';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { holderFileOf, lockDirOf } from '../../engine/lock/run-lock.js';
import { journalPath } from '../../engine/runner/journal.js';
import { scratchPaths } from '../../engine/scratch/paths.js';
import { LC } from '../helpers/lc.js';
import { live, prepare, projectFiles, type Live } from './helpers/live.js';

let t: Live | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

test('the TUI attaches to a running lc run, shows its tasks live, and x cancels it', async () => {
  const files = projectFiles({ slowSeconds: 30 });
  files['universes/a.yaml'] = 'id: a\ndecisions:\n  speed: slow\n';
  files['universes/b.yaml'] = 'id: b\ndecisions:\n  speed: slow\n';
  const p = prepare(files);
  const bg = execa(process.execPath, [LC, 'run', '--plain', '-j', '1'], {
    cwd: p.root,
    reject: false,
    env: { LIGHTCONE_SCRATCH: p.scratch, NO_COLOR: '1', CI: '1' },
  });
  try {
    t = await live(p);
    const f = await t.waitFor(new RegExp(`lc run pid ${bg.pid} on \\S+ \\(attached\\)`), 30_000);
    expect(f).toMatch(/attached/);
    // its running task shows up in the frames, with the run's progress
    const running = await t.waitFor(/● [ab]\/fit|[ab]\/fit .*running/, 30_000);
    expect(running).toMatch(/running \d+\/4/);
    // r is refused while another process holds the project
    t.press('r');
    await t.waitFor(new RegExp(`lc run \\(pid ${bg.pid} on \\S+\\) holds the project`));
    t.press('x');
    await t.waitFor(new RegExp(`asked lc run \\(pid ${bg.pid}\\) to cancel`));
    const r = await bg;
    expect(r.exitCode).toBe(130);
    await t.waitFor(/finished in .*cancelled|idle/, 20_000);
  } finally {
    bg.kill('SIGKILL');
  }
});

test('a run owned by another host: the TUI shows it, and x says how to cancel it there', async () => {
  const p = prepare(projectFiles());
  // What a run on another node leaves in the shared scratch dir: its lock, holder file and journal.
  const scratch = scratchPaths(p.root, { LIGHTCONE_SCRATCH: p.scratch });
  const runId = '20260115T120000000Z-4242';
  mkdirSync(scratch.base, { recursive: true, mode: 0o700 });
  mkdirSync(dirname(scratch.runLock), { recursive: true });
  mkdirSync(lockDirOf(scratch));
  writeFileSync(holderFileOf(scratch), JSON.stringify({ schema_version: 1, pid: 4242, host: 'node-elsewhere', started_at: new Date().toISOString(), run_id: runId }));
  const journal = journalPath(scratch, runId);
  mkdirSync(dirname(journal), { recursive: true });
  const now = Date.now();
  const header = { format: 'lightcone-run-journal', schema_version: 1, run_id: runId, pid: 4242, host: 'node-elsewhere', started_at: now, project_root: p.root };
  const events = [
    { type: 'plan_ready', t: now, runId, executor: 'dask', dryRun: false, upToDate: 0, tasks: ['a/prep', 'b/prep', 'a/fit', 'b/fit'].map((id) => ({ id, reasons: [] })) },
    { type: 'task_started', t: now, id: 'a/prep', attempt: 1, host: 'node-elsewhere', executor: 'dask', resources: { cpus: 1, gpus: 0 }, logPath: '/scratch/x.log' },
  ];
  writeFileSync(journal, [header, ...events].map((e) => JSON.stringify(e)).join('\n') + '\n');

  t = await live(p);
  await t.waitFor(/lc run pid 4242 on node-elsewhere \(attached\)/);
  await t.waitFor(/running 0\/4/);
  await t.waitFor(/● a\/prep/);
  t.press('x');
  await t.waitFor(/it runs on node-elsewhere: cancel it there \(kill -INT 4242, or scancel its job\)/);
  // its end arrives through the journal; the TUI detaches and shows the result
  appendFileSync(journal, JSON.stringify({ type: 'run_finished', t: Date.now(), runId, succeeded: 1, failed: 0, blocked: 0, cancelled: 3, skipped: 0, wallS: 2, cpuS: 1 }) + '\n');
  await t.waitFor(/finished in 2\.0s: 1 ok .*3 cancelled/);
});
