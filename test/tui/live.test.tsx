/**
 * Keys against a real temp project, the real runner and the real local executor.
 */
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { lc } from '../helpers/lc.js';
import { live, outputRow, prepare, projectFiles, type Live } from './helpers/live.js';

let t: Live | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** ok count column of an output row (first number after the type). */
const okCount = (row: string): string =>
  row
    .replace(/^.*?\b(data|metric|table|figure|report)\s+/, '')
    .trim()
    .split(/\s+/)[0] ?? '';

describe('TUI keys on a real project', () => {
  test('r runs everything stale; later frames show every output ok', async () => {
    t = await live(projectFiles());
    let f = await t.waitFor(/4 tasks need work \(r runs them\)/);
    expect(okCount(outputRow(f, 'fit'))).toBe('·');
    t.press('r');
    f = await t.waitFor(/finished in [^:\n]*: 4 ok/);
    f = await t.waitFor(/everything up to date|nothing to do/);
    expect(okCount(outputRow(f, 'prep'))).toBe('2');
    expect(okCount(outputRow(f, 'fit'))).toBe('2');
    expect(outputRow(f, 'fit')).toMatch(/✓/);
    expect(t.manifest('a', 'fit') && t.manifest('b', 'fit')).toBe(true);
  });

  test('an edited spec is reloaded; one that does not load is reported and the last good one stays', async () => {
    t = await live(projectFiles());
    await t.waitFor(/│ 2 universes │/);
    writeFileSync(join(t.root, 'universes/c.yaml'), 'id: c\ndecisions:\n  speed: fast\n');
    let f = await t.waitFor(/│ 3 universes │/);
    expect(f).toMatch(/the spec changed: reloaded \(6 tasks\)/);
    writeFileSync(join(t.root, 'universes/c.yaml'), 'id: c\ndecisions:\n  speed: warp\n');
    f = await t.waitFor(/the spec changed but does not load/);
    expect(f).toMatch(/│ 3 universes │/);
    rmSync(join(t.root, 'universes/c.yaml'));
    f = await t.waitFor(/│ 2 universes │/);
  });

  test('r makes stale outputs ok: a changed script makes fit stale, r re-runs it', async () => {
    const p = prepare(projectFiles());
    const built = await lc(['run', '--plain'], { cwd: p.root, env: { LIGHTCONE_SCRATCH: p.scratch } });
    expect(built.exitCode, built.stderr).toBe(0);
    appendFileSync(join(p.root, 'scripts/fit.sh'), '# tuned\n');
    t = await live(p);
    let f = await t.waitFor(/2 tasks need work \(r runs them\)/);
    expect(outputRow(f, 'fit')).toMatch(/◐ fit/);
    expect(f).toMatch(/script scripts\/fit\.sh changed/);
    t.press('r');
    await t.waitFor(/finished in [^:\n]*: 2 ok/);
    f = await t.waitFor(/nothing to do/);
    expect(okCount(outputRow(f, 'fit'))).toBe('2');
  });

  test('f on the selected output asks, y re-runs it (and only it)', async () => {
    t = await live(projectFiles());
    await t.waitFor(/4 tasks need work \(r runs them\)/);
    t.press('r');
    await t.waitFor(/finished in .*4 ok/);
    await t.waitFor(/nothing to do/);
    const before = readFileSync(join(t.root, 'results/a/fit/.lightcone-manifest.json'), 'utf8');
    t.press('j'); // prep
    t.press('j'); // fit
    await t.waitFor(/DETAILS\s+fit/);
    t.press('f');
    await t.waitFor(/Force re-run fit in 2 universes\? +y yes +n no/);
    t.press('y');
    // only fit's two tasks ran (prep was ok and is not forced)
    await t.waitFor(/finished in [^:\n]*: 2 ok/);
    const after = readFileSync(join(t.root, 'results/a/fit/.lightcone-manifest.json'), 'utf8');
    expect(after).not.toBe(before);
  });

  test('c shows a metric output’s results, and the view fills in as the run finishes its tasks', async () => {
    const files = projectFiles({ slowSeconds: 2 });
    files['universes/b.yaml'] = 'id: b\ndecisions:\n  speed: slow\n';
    t = await live(files);
    await t.waitFor(/4 tasks need work \(r runs them\)/);
    t.press('j'); // prep
    t.press('j'); // fit
    await t.waitFor(/DETAILS\s+fit/);
    t.press('r');
    await t.waitFor(/running /);
    t.press('c');
    // a's fit is quick, b's takes 2 s: first one value, then both, without leaving the view
    let f = await t.waitFor(/RESULTS {2}fit/);
    f = await t.waitFor(/ a \(1 of 1\): value 3 ok/);
    expect(f).not.toMatch(/of 2\)/);
    f = await t.waitFor(/ \w \(1 of 2\): value 3 ok/, 20_000);
    expect(f).toMatch(/speed: fast │●/);
  });

  test('x cancels a running task gracefully and leaves no manifest for it', async () => {
    const files = projectFiles({ slowSeconds: 60 });
    files['universes/b.yaml'] = 'id: b\ndecisions:\n  speed: slow\n';
    t = await live(files);
    await t.waitFor(/4 tasks need work \(r runs them\)/);
    t.press('r');
    await t.waitFor(/running \d+\/4/);
    await t.waitFor(/● b\/fit|b\/fit.*running/);
    t.press('x');
    const f = await t.waitFor(/finished in .*(cancelled|not run)|run cancelled/, 20_000);
    expect(f).toMatch(/cancel/);
    expect(t.manifest('b', 'fit')).toBe(false);
    // the fast universe may have finished before the cancel; the slow one must not be ok
    await t.waitFor(/need work/);
    expect(outputRow(t.frame(), 'fit')).not.toMatch(/✓/);
  });

  test('q during a run asks first; n keeps running, y cancels and quits', async () => {
    const files = projectFiles({ slowSeconds: 60 });
    files['universes/b.yaml'] = 'id: b\ndecisions:\n  speed: slow\n';
    t = await live(files);
    await t.waitFor(/4 tasks need work \(r runs them\)/);
    t.press('r');
    await t.waitFor(/b\/fit.*running|● b\/fit/);
    t.press('q');
    await t.waitFor(/A run is active: cancel it and quit\?/);
    t.press('n');
    // the question goes away and the run goes on
    await t.waitFor(/^(?![\s\S]*cancel it and quit)[\s\S]*running \d+\/4/);
    t.press('q');
    await t.waitFor(/cancel it and quit\?/);
    t.press('y');
    const exit = await t.controller.exited;
    expect(exit.code).toBe(0);
    expect(t.manifest('b', 'fit')).toBe(false);
  });
});

describe('verify, Ctrl-C and the session scheduler', () => {
  test('v verifies the selected output: passes after a run, fails once its bytes change', async () => {
    t = await live(projectFiles());
    await t.waitFor(/4 tasks need work \(r runs them\)/);
    t.press('r');
    await t.waitFor(/nothing to do/);
    t.press('j');
    await t.waitFor(/DETAILS\s+prep/);
    t.press('v');
    await t.waitFor(/verify prep: 2 passed/);
    // a and b share prep's execution group (hardlinked outputs): replace the file, do not edit it
    const file = join(t.root, 'results/b/prep/prep.txt');
    rmSync(file);
    writeFileSync(file, 'tampered\n');
    t.press('v');
    await t.waitFor(/verify prep: 1 passed, 1 failed \(b: tampered data/);
  });

  test('Ctrl-C once cancels the run (no manifest for the stopped task), twice quits', async () => {
    const files = projectFiles({ slowSeconds: 60 });
    files['universes/b.yaml'] = 'id: b\ndecisions:\n  speed: slow\n';
    t = await live(files);
    await t.waitFor(/4 tasks need work \(r runs them\)/);
    t.press('r');
    await t.waitFor(/● b\/fit|b\/fit.*running/);
    t.press('\u0003');
    // the hint shows until the run reports back (which can be at once)
    await t.waitFor(/Ctrl-C again quits|run cancelled/);
    await t.waitFor(/finished in .*cancelled/, 20_000);
    expect(t.manifest('b', 'fit')).toBe(false);
    t.press('\u0003');
    expect((await t.controller.exited).code).toBe(0);
  });

  test('s asks, then stops the session scheduler; the header follows', async () => {
    const p = prepare(projectFiles());
    const env = { LIGHTCONE_SCRATCH: p.scratch };
    const started = await lc(['scheduler', 'start'], { cwd: p.root, env });
    expect(started.exitCode, started.stderr).toBe(0);
    const address = /started local scheduler (\S+)/.exec(started.stdout)?.[1] ?? '';
    try {
      t = await live(p, { schedulerMs: 300 });
      await t.waitFor(new RegExp(`scheduler ${address.replace(/[.:/]/g, '\\$&')}`), 20_000);
      t.press('s');
      await t.waitFor(/Stop the session scheduler at .* \(1 worker\)\? +y yes +n no/);
      t.press('y');
      await t.waitFor(/scheduler none/, 60_000);
      const st = await lc(['scheduler', 'status'], { cwd: p.root, env });
      expect(st.stdout).toMatch(/scheduler: not running/);
      t.press('s');
      await t.waitFor(/no scheduler running/);
    } finally {
      await lc(['scheduler', 'stop'], { cwd: p.root, env });
    }
  });

  test('q leaves the session scheduler up and the exit message says how to stop it', async () => {
    const p = prepare(projectFiles());
    const env = { LIGHTCONE_SCRATCH: p.scratch };
    expect((await lc(['scheduler', 'start'], { cwd: p.root, env })).exitCode).toBe(0);
    try {
      t = await live(p, { schedulerMs: 300 });
      await t.waitFor(/scheduler tls:\/\//, 20_000);
      t.press('q');
      const exit = await t.controller.exited;
      expect(exit.message).toMatch(
        /session scheduler at tls:\/\/\S+ is still running.*stop it now with: lc scheduler stop/,
      );
      expect((await lc(['scheduler', 'status'], { cwd: p.root, env })).stdout).toMatch(/scheduler: running/);
    } finally {
      await lc(['scheduler', 'stop'], { cwd: p.root, env });
    }
  });
});

describe('on the Dask executor', () => {
  test("the workers pane shows the session scheduler's workers and r runs through Dask", async () => {
    const p = prepare(projectFiles());
    const env = { LIGHTCONE_SCRATCH: p.scratch };
    const started = await lc(['scheduler', 'start'], { cwd: p.root, env });
    expect(started.exitCode, started.stderr).toBe(0);
    try {
      t = await live(p, { schedulerMs: 300, executor: 'dask' });
      await t.waitFor(/executor dask .*scheduler tls:\/\//, 30_000);
      await t.waitFor(/WORKERS +1 node/, 30_000);
      t.press('r');
      const f = await t.waitFor(/finished in .*4 ok/, 60_000);
      expect(f).toMatch(/executor dask/);
      expect(t.manifest('a', 'fit') && t.manifest('b', 'fit')).toBe(true);
      // the session outlives the run
      await t.waitFor(/scheduler tls:\/\//);
    } finally {
      await lc(['scheduler', 'stop'], { cwd: p.root, env });
    }
  });
});
