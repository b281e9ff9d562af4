/**
 * `lc verify --refresh` end to end with real lc processes: a project copied with `cp -r` reads
 * as modified until a refresh, which rewrites only what verified; and the run lock it shares
 * with `lc run`, refused in both directions with the holder named.
 */
import { createHash } from 'node:crypto';
import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { holderFileOf } from '../../engine/lock/run-lock.js';
import { MANIFEST_NAME } from '../../engine/manifest/schema.js';
import { scratchPaths } from '../../engine/scratch/paths.js';
import { copyExample, LC, lc, tempDir } from '../helpers/lc.js';

let cleanup: (() => void) | undefined;
const started: { kill: (s: NodeJS.Signals) => boolean; catch: (f: () => void) => Promise<unknown> }[] = [];
afterEach(async () => {
  for (const p of started.splice(0)) {
    p.kill('SIGKILL');
    await p.catch(() => undefined);
  }
  cleanup?.();
});

/** examples/line-fit built by a real `lc run`; `strict` fingerprints its data file by content. */
async function built(strict: boolean): Promise<{ dir: string; root: string }> {
  const t = tempDir('lc-refresh-cli-');
  cleanup = t.cleanup;
  const root = copyExample('line-fit', t.dir);
  const r = await lc(['run', '--plain', ...(strict ? ['--strict-inputs'] : [])], { cwd: root, env: envOf(t.dir) });
  if (r.exitCode !== 0) throw new Error(`lc run failed:\n${r.stderr}${r.stdout}`);
  return { dir: t.dir, root };
}

const envOf = (dir: string) => ({ LIGHTCONE_SCRATCH: join(dir, 'scratch') });

/** `cp -r`: the same bytes with new mtimes (and inodes). */
function copyTree(from: string, to: string): string {
  execFileSync('cp', ['-r', from, to]);
  return to;
}

interface StatusDoc {
  tasks: { id: string; state: string; reasons: { kind: string; detail: string }[] }[];
}
async function states(root: string, env: Record<string, string>): Promise<Record<string, string>> {
  const r = await lc(['status', '--json'], { cwd: root, env });
  return Object.fromEntries((JSON.parse(r.stdout) as StatusDoc).tasks.map((t) => [t.id, t.state]));
}
const countStates = (s: Record<string, string>) => {
  const c: Record<string, number> = {};
  for (const v of Object.values(s)) c[v] = (c[v] ?? 0) + 1;
  return c;
};

interface VerifyDoc {
  schema: number;
  results: Record<string, unknown>[];
  summary: Record<string, number>;
}

const manifestOf = (root: string, id: string) => join(root, 'results', id, MANIFEST_NAME);
const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;

describe('lc verify --refresh', () => {
  it('cp -r: every output is modified; a refresh records the timestamps of all that verify; status is ok again', async () => {
    const { dir, root: original } = await built(true);
    const root = copyTree(original, join(dir, 'copy'));
    const env = envOf(dir);
    // Changed bytes (same size, so only the hash can tell): must not be refreshed.
    const tampered = join(root, 'results/robust/summary/summary.md');
    writeFileSync(
      tampered,
      readFileSync(tampered, 'utf8').replace(/[a-z]/, (c) => (c === 'a' ? 'b' : 'a')),
    );
    // A Lightcone-era (schema 1) manifest with matching data: Lightcone's code_version (recipe,
    // container, decisions; no scripts), so status reads it stale (script not recorded).
    const v1Path = manifestOf(root, 'baseline/summary');
    const v2 = readJson(v1Path);
    const lightconeCode =
      'sha256:' +
      createHash('sha256')
        .update(JSON.stringify({ container_image: null, decisions: v2.decisions, recipe: v2.recipe }))
        .digest('hex');
    const v1Text = JSON.stringify({
      schema_version: 1,
      output_id: 'summary',
      universe_id: 'baseline',
      code_version: lightconeCode,
      data_version: v2.data_version,
      input_versions: v2.input_versions,
      lc_version: '0.4.2',
      git_sha: 'abc123',
      finished_at: 1_700_000_000,
      host: 'nid001',
    });
    writeFileSync(v1Path, v1Text);

    const before = await states(root, env);
    expect(countStates(before)).toEqual({ modified: 15, stale: 1 }); // schema 1 records no stat: never modified
    const statusText = await lc(['status'], { cwd: root, env });
    // One line after the summary (execa drops the final newline).
    expect(statusText.stdout).toMatch(
      /\n16 tasks: 1 stale, 15 modified\nhint: if the modified files were only copied or touched, `lc verify --refresh` checks their bytes and records the new timestamps$/,
    );
    expect(statusText.stdout).not.toContain('\u001b[');
    const fitBefore = readJson(manifestOf(root, 'baseline/fit'));

    const r = await lc(['verify', '--refresh', '--json'], { cwd: root, env });
    expect(r.exitCode).toBe(1); // the tampered output
    const doc = JSON.parse(r.stdout) as VerifyDoc;
    expect(doc.schema).toBe(1);
    expect(doc.summary).toMatchObject({
      verified: 16,
      passed: 15,
      failed: 1,
      tampered_data: 1,
      refreshed: 15,
      adopted: 1,
    });
    expect(Object.keys(doc.results[0] as object)).toEqual([
      'id',
      'passed',
      'failure',
      'detail',
      'refreshed',
      'adopted',
    ]);
    const byId = Object.fromEntries(doc.results.map((x) => [x.id as string, x]));
    expect(byId['baseline/fit']).toEqual({
      id: 'baseline/fit',
      passed: true,
      failure: null,
      detail: null,
      refreshed: true,
      adopted: false,
    });
    expect(byId['robust/summary']).toMatchObject({ passed: false, failure: 'tampered_data', refreshed: false });
    expect(byId['baseline/summary']).toEqual({
      id: 'baseline/summary',
      passed: true,
      failure: null,
      detail: null,
      refreshed: true,
      adopted: true,
    });

    // Only the stat block changed in ours.
    const fitAfter = readJson(manifestOf(root, 'baseline/fit'));
    expect({ ...fitAfter, stat: null }).toEqual({ ...fitBefore, stat: null });
    expect(fitAfter.stat).not.toEqual(fitBefore.stat);
    // Lightcone's is ours now: what it recorded, the script as it is, and what that trusts.
    const adopted = readJson(v1Path);
    expect(adopted).toMatchObject({
      schema_version: 2,
      data_version: v2.data_version,
      input_versions: v2.input_versions,
      scripts: v2.scripts,
      code_version: v2.code_version,
      lc_version: '0.4.2',
      git_sha: 'abc123',
      host: 'nid001',
      finished_at: 1_700_000_000,
      executor: 'lightcone',
      adopted: { from_schema: 1, lc_version: '0.4.2', trusted: ['scripts'] },
    });

    const after = await states(root, env);
    expect(after['robust/summary']).toBe('modified');
    expect(countStates(after)).toEqual({ ok: 15, modified: 1 });

    // Text: nothing left to refresh; exit 1 for the failure.
    const text = await lc(['verify', '--refresh'], { cwd: root, env });
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toMatch(
      /\nNothing to refresh: every output that verified already has its timestamps recorded\. Outputs that failed are never refreshed\.$/,
    );
    // Plain verify stays read-only and says nothing about refreshing.
    const plain = await lc(['verify', '--json'], { cwd: root, env });
    expect((JSON.parse(plain.stdout) as VerifyDoc).summary.refreshed).toBeUndefined();
  });

  it('cp -r without --strict-inputs: inputs with new timestamps are settled too, so nothing re-runs; new bytes are still caught', async () => {
    const { dir, root: original } = await built(false);
    const root = copyTree(original, join(dir, 'copy'));
    const env = envOf(dir);
    const before = await lc(['run', '--dry-run'], { cwd: root, env });
    expect(before.stdout).toMatch(/^Would run 14 tasks and link 2/);

    const r = await lc(['verify', '--refresh', '--json'], { cwd: root, env });
    expect(r.exitCode, r.stdout).toBe(0);
    expect((JSON.parse(r.stdout) as VerifyDoc).summary).toMatchObject({ verified: 16, passed: 16, refreshed: 16 });
    expect(countStates(await states(root, env))).toEqual({ ok: 16 });
    const after = await lc(['run', '--dry-run'], { cwd: root, env });
    expect(after.stdout).toMatch(/^Nothing to run: 16 tasks are up to date/);

    // Touched, same bytes: stale with the reason, and a refresh settles it.
    const points = join(root, 'data/points.csv');
    utimesSync(points, new Date(), new Date(Date.now() + 5000));
    const r0 = await lc(['status', '--json'], { cwd: root, env });
    const cleaned = (JSON.parse(r0.stdout) as StatusDoc).tasks.find((t) => t.id === 'baseline/cleaned');
    expect(cleaned).toMatchObject({
      state: 'stale',
      reasons: [
        {
          kind: 'input',
          detail: 'input points (data/points.csv) has new timestamps, same size (lc verify --refresh checks its bytes)',
        },
      ],
    });
    expect((await lc(['verify', '--refresh'], { cwd: root, env })).exitCode).toBe(0);
    expect(countStates(await states(root, env))).toEqual({ ok: 16 });

    // New bytes of the same size: the timestamps moved and the content hash says they are new.
    writeFileSync(
      points,
      readFileSync(points, 'utf8').replace(/\d/, (d) => String((Number(d) + 1) % 10)),
    );
    const again = await lc(['verify', '--refresh', '--json'], { cwd: root, env });
    expect(again.exitCode).toBe(1);
    const doc = JSON.parse(again.stdout) as VerifyDoc;
    expect(doc.summary).toMatchObject({ input_changed: 4, refreshed: 0 });
    expect((await states(root, env))['baseline/cleaned']).toBe('stale');
  });

  it('text: counts the refreshed outputs; a file touched with the same bytes is ok after', async () => {
    const { dir, root } = await built(true);
    const env = envOf(dir);
    const f = join(root, 'results/baseline/fit/fit.json');
    const st = statSync(f);
    utimesSync(f, st.atime, new Date(st.mtimeMs - 60_000));
    expect((await states(root, env))['baseline/fit']).toBe('modified');
    const r = await lc(['verify', '--refresh'], { cwd: root, env });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(
      /All 16 outputs verified\. \[.*\]\nRefreshed 1 output: recorded the new timestamps of files whose bytes match their manifest\.$/,
    );
    expect(countStates(await states(root, env))).toEqual({ ok: 16 });
    expect((await lc(['status'], { cwd: root, env })).stdout).not.toContain('hint:');
  });

  it('manifests without input hashes (older lc): after cp -r their inputs stay input_changed (nothing to compare with)', async () => {
    const { dir, root: original } = await built(false);
    for (const u of ['baseline', 'clipped-ols', 'raw-median', 'robust']) {
      const p = manifestOf(original, `${u}/cleaned`);
      if (!existsSync(p)) continue;
      const { input_hashes: _dropped, ...older } = readJson(p);
      writeFileSync(p, JSON.stringify(older));
    }
    const root = copyTree(original, join(dir, 'copy'));
    const env = envOf(dir);
    const r = await lc(['verify', '--refresh', '--json'], { cwd: root, env });
    const doc = JSON.parse(r.stdout) as VerifyDoc;
    expect(r.exitCode).toBe(1);
    expect(doc.summary).toMatchObject({ input_changed: 4, refreshed: 12 });
    const cleaned = doc.results.find((x) => x.id === 'baseline/cleaned');
    expect(cleaned).toMatchObject({ failure: 'input_changed', refreshed: false });
  });
});

/**
 * Hold the run lock with a real process: wait until it has written itself as the holder, then
 * stop it (SIGSTOP) so it keeps the lock for as long as the test needs. afterEach kills it.
 */
async function stoppedHolder(p: ReturnType<typeof startLc>, root: string, env: Record<string, string>) {
  const holder = await holderPid(root, env, p.pid as number);
  process.kill(p.pid as number, 'SIGSTOP');
  return holder;
}

async function holderPid(root: string, env: Record<string, string>, pid: number): Promise<Record<string, unknown>> {
  const path = holderFileOf(scratchPaths(root, env));
  for (let i = 0; i < 2000; i++) {
    try {
      const h = readJson(path);
      if (h.pid === pid) return h;
    } catch {
      // not written yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`pid ${pid} never took the run lock`);
}

function startLc(args: string[], root: string, env: Record<string, string>) {
  const p = execa(process.execPath, [LC, ...args], {
    cwd: root,
    reject: false,
    env: { NO_COLOR: '1', CI: '1', ...env },
  });
  started.push(p);
  return p;
}

describe('lc verify --refresh and the run lock', () => {
  it('refused at once while lc run holds the project, naming lc run; plain verify still works', async () => {
    const { dir, root } = await built(false);
    const env = envOf(dir);
    // A run with nothing to do takes no lock: force some work (4 tasks, one at a time, keep it
    // holding the lock well past the moment the test stops it).
    const run = startLc(['run', '--plain', '-j', '1', '--force', 'summary'], root, env);
    const holder = await stoppedHolder(run, root, env);
    expect(holder.command).toBeUndefined();
    const t0 = Date.now();
    const r = await lc(['verify', '--refresh'], { cwd: root, env });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`this project is already being run: lc run pid ${run.pid} on ${hostname()}, started 20`);
    expect(r.stderr).toContain('RUN_LOCKED');
    expect(r.stdout).toBe('');
    // Without --refresh verify only reads: no lock, it runs alongside.
    const plain = await lc(['verify', 'baseline/cleaned'], { cwd: root, env });
    expect([plain.exitCode, plain.stdout]).toEqual([0, expect.stringContaining('The output verified.')]);
  });

  it('an lc run started while verify --refresh holds the project is refused, naming lc verify --refresh', async () => {
    const { dir, root } = await built(false);
    const env = envOf(dir);
    // 256 MiB to hash keeps verify holding the lock well past the moment the test stops it.
    execFileSync('dd', ['if=/dev/zero', `of=${join(root, 'results/baseline/fit/big.bin')}`, 'bs=1M', 'count=256'], {
      stdio: 'ignore',
    });
    const verify = startLc(['verify', '--refresh', '-j', '1'], root, env);
    const holder = await stoppedHolder(verify, root, env);
    expect(holder).toMatchObject({ schema_version: 1, command: 'lc verify --refresh', host: hostname() });
    const r = await lc(['run', '--plain', '--force', 'robust/summary'], { cwd: root, env });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(
      `this project is busy: lc verify --refresh pid ${verify.pid} on ${hostname()}, started 20`,
    );
    expect(r.stderr).toContain('RUN_LOCKED');
  });
});
