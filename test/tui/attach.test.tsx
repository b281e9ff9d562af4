/**
 * Watching a run started elsewhere: `lc run --plain` (the built CLI, a separate process) holds
 * the project lock; the TUI attaches to its journal read-only, shows its running tasks, and x
 * asks it to cancel (same host: SIGINT to its pid).
 */
import { execa } from 'execa';
import { afterEach, expect, test } from 'vitest';
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
