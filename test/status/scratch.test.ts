/**
 * Where lc keeps its state when nothing says where: inside the project, per user, private,
 * git-ignored; and a scratch directory that is not private stops the command with what to do.
 * Through the built `lc`, with real users (root and nobody).
 */
import { execa } from 'execa';
import { chmodSync, chownSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExample, LC, lc, tempDir } from '../helpers/lc.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => {
  ({ dir, cleanup } = tempDir('lc-scratch-'));
  chmodSync(dir, 0o755); // nobody must reach the projects below
});
afterAll(() => cleanup());

/** No scratch configured anywhere: not LIGHTCONE_SCRATCH, not $SCRATCH. */
const UNSET = { LIGHTCONE_SCRATCH: undefined, SCRATCH: undefined };

async function scratchOf(root: string, env: Record<string, string | undefined> = UNSET) {
  const r = await lc(['status', '--json'], { cwd: root, env, extendEnv: false });
  expect(r.exitCode, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { scratch: { path: string; source: string } }).scratch;
}

describe('the scratch directory', () => {
  it('by default: inside the project, per user, mode 0700, ignored by git; status --json says so', async () => {
    const root = copyExample('line-fit', join(dir, 'default'));
    await execa('git', ['init', '-q'], { cwd: root });
    const run = await lc(['run', '--plain'], { cwd: root, env: UNSET, extendEnv: false });
    expect(run.exitCode, run.stderr).toBe(0);
    const base = join(root, '.lightcone', 'scratch-root', '.lightcone');
    expect(await scratchOf(root)).toEqual({ path: base, source: 'project' });
    expect(statSync(base).mode & 0o777).toBe(0o700);
    expect(statSync(join(base, 'runs')).isDirectory()).toBe(true);
    expect(readFileSync(join(root, '.lightcone', 'scratch-root', '.gitignore'), 'utf8')).toBe('*\n');
    const git = await execa('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: root });
    expect(git.stdout).not.toContain('scratch-root');
  });

  it('two users of one project each get their own: the second is not refused', async () => {
    const root = copyExample('line-fit', join(dir, 'shared'));
    expect((await lc(['run', '--plain'], { cwd: root, env: UNSET, extendEnv: false })).exitCode).toBe(0);
    // a project directory the group shares
    for (const d of [root, join(root, '.lightcone')]) chmodSync(d, 0o777);
    const r = await execa(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, LC, 'status', '--json'],
      {
        cwd: root,
        env: { PATH: process.env.PATH, NO_COLOR: '1' },
        extendEnv: false,
        reject: false,
      },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { scratch: { path: string }; summary: { ok: number } };
    expect(doc.scratch.path).toBe(join(root, '.lightcone', 'scratch-nobody', '.lightcone'));
    expect(doc.summary.ok).toBe(16);
    expect(statSync(doc.scratch.path).uid).toBe(65534);
  });

  it('LIGHTCONE_SCRATCH wins, then $SCRATCH; both are named as the source', async () => {
    const root = copyExample('line-fit', join(dir, 'env'));
    const a = join(dir, 'env-a');
    const b = join(dir, 'env-b');
    expect(await scratchOf(root, { LIGHTCONE_SCRATCH: a, SCRATCH: b })).toEqual({
      path: join(a, '.lightcone'),
      source: 'LIGHTCONE_SCRATCH',
    });
    expect(await scratchOf(root, { SCRATCH: b })).toEqual({ path: join(b, '.lightcone'), source: 'SCRATCH' });
  });

  it("one open to others, or another user's: exit 1 naming the directory and the fix", async () => {
    const root = copyExample('line-fit', join(dir, 'open'));
    const open = join(dir, 'open-scratch');
    mkdirSync(join(open, '.lightcone'), { recursive: true, mode: 0o755 });
    chmodSync(join(open, '.lightcone'), 0o755);
    const r = await lc(['status'], { cwd: root, env: { LIGHTCONE_SCRATCH: open } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('SCRATCH_NOT_PRIVATE');
    expect(r.stderr).toContain(`${join(open, '.lightcone')} is open to other users (mode 755)`);
    expect(r.stderr).toContain(`chmod 700 ${join(open, '.lightcone')}`);

    const theirs = join(dir, 'their-scratch');
    mkdirSync(join(theirs, '.lightcone'), { recursive: true, mode: 0o700 });
    chownSync(join(theirs, '.lightcone'), 65534, 65534);
    const t = await lc(['run', '--plain'], { cwd: root, env: { LIGHTCONE_SCRATCH: theirs } });
    expect(t.exitCode).toBe(1);
    expect(t.stderr).toContain('belongs to uid 65534, not to you (uid 0)');
    expect(t.stderr).toContain('LIGHTCONE_SCRATCH');
    expect(t.stdout).toBe('');
  });
});
