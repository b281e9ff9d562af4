/**
 * End to end in a real terminal: tmux runs the built `lc` (no subcommand, so the TUI) in a
 * 120x40 pane; we press r and read the screen back with capture-pane.
 */
import { execa } from 'execa';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { snapshotSchema } from '../../engine/dag/snapshot-format.js';
import { snapshotPath } from '../../engine/dag/snapshot.js';
import { scratchPaths } from '../../engine/scratch/paths.js';
import { EXAMPLES, LC, copyExample, lc, tempDir, writeProject } from '../helpers/lc.js';

// One tmux server (socket) per session, so a session ending never races the next one's start.
let sock = `lc-tui-test-${process.pid}`;
const sockets = new Set([sock]);
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
  for (const s of sockets) {
    await execa('tmux', ['-L', s, 'kill-server'], { reject: false });
    // a server that exited on its own leaves its socket file behind
    rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, s), { force: true });
  }
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
  while (Date.now() < deadline && (await tmux('has-session')).exitCode === 0)
    await new Promise((r) => setTimeout(r, 100));
  expect((await tmux('has-session')).exitCode).not.toBe(0);
});

async function startLc(name: string, args: string, env = ''): Promise<string> {
  const root = copyExample('line-fit', join(tmp.dir, name));
  const scratch = join(tmp.dir, `${name}-scratch`);
  const cmd = `cd '${root}' && exec env -u CI -u NO_COLOR -u FORCE_COLOR TERM=xterm-256color LIGHTCONE_SCRATCH='${scratch}' ${env} '${process.execPath}' '${LC}' ${args}`;
  sock = `lc-tui-test-${process.pid}-${name}`;
  sockets.add(sock);
  const started = await tmux('new-session', '-d', '-x', '80', '-y', '24', cmd);
  expect(started.exitCode, started.stderr).toBe(0);
  return root;
}

// eslint-disable-next-line no-control-regex
const COLOUR = /\u001b\[[0-9;]*3[0-7][0-9;]*m/;

test('a TUI that loaded the spec afresh leaves the project snapshot for the next command (written after its first frame)', async () => {
  const root = copyExample('line-fit', join(tmp.dir, 'snapshot'));
  const scratch = join(tmp.dir, 'snapshot-scratch');
  // files younger than the racy window are never snapshotted
  await new Promise((r) => setTimeout(r, 300));
  const snapshot = snapshotPath(scratchPaths(root, { LIGHTCONE_SCRATCH: scratch }).cache);
  sock = `lc-tui-test-${process.pid}-snapshot`;
  sockets.add(sock);
  const cmd = `cd '${root}' && exec env -u CI TERM=xterm-256color LIGHTCONE_SCRATCH='${scratch}' '${process.execPath}' '${LC}'`;
  expect((await tmux('new-session', '-d', '-x', '120', '-y', '40', cmd)).exitCode).toBe(0);
  await waitForScreen(/tasks need work/);
  const deadline = Date.now() + 10_000;
  while (!existsSync(snapshot) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const written = snapshotSchema().safeParse(JSON.parse(readFileSync(snapshot, 'utf8')));
  expect(written.success, written.error?.message).toBe(true);
  expect(written.data?.root).toBe(root);
  await tmux('send-keys', '-t', '0', 'q');
});

test('lc --ascii -u U with NO_COLOR: no colour, ASCII only, the universe filter in the header', async () => {
  await startLc('plain', '--ascii -u baseline', 'NO_COLOR=1');
  const s = await waitForScreen(/tasks need work/);
  expect(s).toMatch(/universes 1\/4: baseline/);
  expect(s).toMatch(/^[\x20-\x7e\n]*$/);
  const withEscapes = (await tmux('capture-pane', '-p', '-e', '-t', '0')).stdout;
  expect(withEscapes).not.toMatch(COLOUR);
  await tmux('send-keys', '-t', '0', 'q');
});

test('in colour by default, and --no-color turns it off', async () => {
  await startLc('colour', '');
  await waitForScreen(/tasks need work/);
  expect((await tmux('capture-pane', '-p', '-e', '-t', '0')).stdout).toMatch(COLOUR);
  await tmux('send-keys', '-t', '0', 'q');
  await startLc('nocolour', '--no-color');
  await waitForScreen(/tasks need work/);
  expect((await tmux('capture-pane', '-p', '-e', '-t', '0')).stdout).not.toMatch(COLOUR);
  await tmux('send-keys', '-t', '0', 'q');
});

test('lc tui outside a terminal says so and points at lc status', async () => {
  const r = await lc(['tui'], { cwd: EXAMPLES });
  expect(r.exitCode).toBe(1);
  expect(r.stderr).toMatch(/lc tui needs a terminal/);
  expect(r.stderr).toMatch(/lc status/);
});

test('recipes the TUI runs see the user’s environment, not the colour and React settings lc loads Ink with', async () => {
  const root = writeProject(join(tmp.dir, 'env-project'), {
    'astra.yaml': `id: envp\nversion: "0.0.12"\nname: Env\ninputs: []\ndecisions: {}\noutputs:\n  - id: seen\n    type: data\n    recipe:\n      command: 'echo "\${{FORCE_COLOR-unset}} \${{NODE_ENV-unset}}" > {output}/env.txt'\n`,
    'universes/u.yaml': 'id: u\ndecisions: {}\n',
  });
  const scratch = join(tmp.dir, 'env-scratch');
  sock = `lc-tui-test-${process.pid}-env`;
  sockets.add(sock);
  const cmd = `cd '${root}' && exec env -u CI -u NO_COLOR -u FORCE_COLOR -u NODE_ENV TERM=xterm-256color LIGHTCONE_SCRATCH='${scratch}' '${process.execPath}' '${LC}'`;
  expect((await tmux('new-session', '-d', '-x', '100', '-y', '30', cmd)).exitCode).toBe(0);
  await waitForScreen(/needs? work/);
  await tmux('send-keys', '-t', '0', 'r');
  await waitForScreen(/finished in .* ok/, 60_000);
  await tmux('send-keys', '-t', '0', 'q');
  expect(readFileSync(join(root, 'results/u/seen/env.txt'), 'utf8')).toBe('unset unset\n');
});

test('a failed task’s last log line shows in the log pane when it ends, without opening the log', async () => {
  const root = writeProject(join(tmp.dir, 'fail-project'), {
    'astra.yaml': `id: failp\nversion: "0.0.12"\nname: Fails\ninputs: []\ndecisions: {}\noutputs:\n  - id: fit\n    type: data\n    recipe:\n      command: 'echo fitting; sleep 1.5; echo "median: not enough points" >&2; exit 1'\n`,
    'universes/u.yaml': 'id: u\ndecisions: {}\n',
  });
  const scratch = join(tmp.dir, 'fail-scratch');
  sock = `lc-tui-test-${process.pid}-fail`;
  sockets.add(sock);
  const cmd = `cd '${root}' && exec env -u CI -u NO_COLOR TERM=xterm-256color LIGHTCONE_SCRATCH='${scratch}' '${process.execPath}' '${LC}'`;
  expect((await tmux('new-session', '-d', '-x', '120', '-y', '40', cmd)).exitCode).toBe(0);
  await waitForScreen(/needs? work/);
  await tmux('send-keys', '-t', '0', 'r');
  await waitForScreen(/fitting/, 30_000);
  const s = await waitForScreen(/median: not enough points/, 30_000);
  expect(s).toMatch(/failed/);
  await tmux('send-keys', '-t', '0', 'q');
});
