/**
 * End to end in a real terminal: tmux runs the built `lc` (no subcommand, so the TUI) in a
 * 120x40 pane; we press r and read the screen back with capture-pane.
 */
import { execa } from 'execa';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { LC, copyExample, tempDir } from '../helpers/lc.js';

const sock = `lc-tui-test-${process.pid}`;
const tmux = (...args: string[]) => execa('tmux', ['-L', sock, ...args], { reject: false });
const screen = async (): Promise<string> => (await tmux('capture-pane', '-p', '-t', '0')).stdout;

async function waitForScreen(re: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let s = '';
  while (Date.now() < deadline) {
    s = await screen();
    if (re.test(s)) return s;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(s, `waiting for ${re}`).toMatch(re);
  return s;
}

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  tmp = tempDir('lc-tui-tmux-');
});
afterAll(async () => {
  await tmux('kill-server');
  tmp.cleanup();
});

test('lc in a 120x40 tmux pane: r runs the example and the screen shows every output ok', async () => {
  const root = copyExample('line-fit', tmp.dir);
  const scratch = join(tmp.dir, 'scratch');
  const cmd = `cd '${root}' && exec env -u CI TERM=xterm-256color LIGHTCONE_SCRATCH='${scratch}' '${process.execPath}' '${LC}'`;
  const started = await tmux('new-session', '-d', '-x', '120', '-y', '40', cmd);
  expect(started.exitCode, started.stderr).toBe(0);

  let s = await waitForScreen(/tasks need work/);
  expect(s).toMatch(/Noisy line fit/);
  expect(s.split('\n').length).toBeLessThanOrEqual(40);

  await tmux('send-keys', '-t', '0', 'r');
  s = await waitForScreen(/finished in .* ok/, 60_000);
  s = await waitForScreen(/everything up to date|nothing to do/);
  for (const out of ['cleaned', 'fit', 'residuals', 'summary']) {
    const row = s.split('\n').find((l) => new RegExp(`✓ ${out}\\s`).test(l));
    expect(row, `${out} row ok in:\n${s}`).toBeDefined();
  }

  await tmux('send-keys', '-t', '0', 'q');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && (await tmux('has-session')).exitCode === 0) await new Promise((r) => setTimeout(r, 100));
  expect((await tmux('has-session')).exitCode).not.toBe(0);
});
