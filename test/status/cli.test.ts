/**
 * `lc status` end to end: the built CLI on a copy of examples/line-fit, materialised by a real
 * `lc run`, then changed the ways users change things.
 */
import {
  appendFileSync,
  chmodSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
  mkdirSync,
  chownSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtExample, copyExample, lc, LC, tempDir } from '../helpers/lc.js';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

async function built(): Promise<{ root: string; env: Record<string, string> }> {
  const t = tempDir('lc-status-cli-');
  cleanup = t.cleanup;
  return builtExample('line-fit', t.dir);
}

interface JsonTask {
  id: string;
  state: string;
  reasons: { kind: string; detail: string }[];
}
async function statusJson(root: string, env: Record<string, string>, args: string[] = []) {
  const r = await lc(['status', '--json', ...args], { cwd: root, env });
  expect(r.exitCode, r.stderr).toBe(0);
  const doc = JSON.parse(r.stdout) as { schema: number; run: unknown; tasks: JsonTask[]; summary: Record<string, number> };
  return { doc, byId: Object.fromEntries(doc.tasks.map((t) => [t.id, t])) };
}

describe('lc status', () => {
  it('missing before a run (exit 0; --check exits 1), ok after it, JSON in the documented shape', async () => {
    const t = tempDir('lc-status-cli-');
    cleanup = t.cleanup;
    const root = copyExample('line-fit', t.dir);
    const env = { LIGHTCONE_SCRATCH: join(t.dir, 'scratch') };
    const before = await lc(['status'], { cwd: root, env });
    expect(before.exitCode).toBe(0);
    expect(before.stdout).toContain('16 tasks: 16 missing');
    expect((await lc(['status', '--check'], { cwd: root, env })).exitCode).toBe(1);
    expect((await lc(['run', '--plain'], { cwd: root, env })).exitCode).toBe(0);
    const after = await lc(['status'], { cwd: root, env });
    expect(after.stdout).toMatch(/^cleaned\n {2}ok {9}baseline {5}\d+s ago\n/);
    expect(after.stdout).toContain('16 tasks: 16 ok');
    expect((await lc(['status', '--check'], { cwd: root, env })).exitCode).toBe(0);
    const { doc } = await statusJson(root, env);
    expect(doc.schema).toBe(2);
    expect(doc.run).toBeNull();
    expect(doc.summary).toEqual({ ok: 16, stale: 0, missing: 0, failed: 0, modified: 0, unreadable: 0, running: 0, queued: 0 });
    expect(Object.keys(doc.tasks[0] as object)).toEqual([
      'id',
      'universe',
      'output',
      'state',
      'reasons',
      'key',
      'data_version',
      'finished_at',
      'duration_s',
      'live',
      'notes',
    ]);
  });

  it('an edited script: its tasks stale naming the file, downstream stale through upstream', async () => {
    const { root, env } = await built();
    appendFileSync(join(root, 'scripts/fit.sh'), '# tweak\n');
    const { byId, doc } = await statusJson(root, env);
    expect(byId['baseline/fit']).toMatchObject({
      state: 'stale',
      reasons: [{ kind: 'script', detail: 'script scripts/fit.sh changed' }],
    });
    expect(byId['baseline/residuals']).toMatchObject({
      state: 'stale',
      reasons: [{ kind: 'upstream', detail: 'upstream baseline/fit is stale' }],
    });
    expect(byId['baseline/cleaned']?.state).toBe('ok');
    expect(doc.summary).toMatchObject({ ok: 4, stale: 12 });
    expect((await lc(['status', '--check'], { cwd: root, env })).exitCode).toBe(1);
    const text = await lc(['status', 'fit'], { cwd: root, env });
    expect(text.stdout).toContain('  stale      robust       script scripts/fit.sh changed');
    expect(text.stdout).toContain('4 tasks: 4 stale');
  });

  it('a changed universe decision makes exactly that universe stale, naming the decision', async () => {
    const { root, env } = await built();
    const f = join(root, 'universes/robust.yaml');
    writeFileSync(f, readFileSync(f, 'utf8').replace('estimator: median', 'estimator: ols'));
    const { byId } = await statusJson(root, env, ['-u', 'robust']);
    expect(byId['robust/fit']).toMatchObject({
      state: 'stale',
      reasons: [{ kind: 'decisions', detail: 'decision estimator: median -> ols' }],
    });
    expect(byId['robust/cleaned']?.state).toBe('ok');
    expect(Object.keys(byId).every((id) => id.startsWith('robust/'))).toBe(true);
  });

  it('a touched external input, a tampered output, a deleted and a corrupt manifest', async () => {
    const { root, env } = await built();
    const p = join(root, 'data/points.csv');
    const st = statSync(p);
    utimesSync(p, st.atime, new Date(st.mtimeMs + 10_000));
    const out = join(root, 'results/baseline/fit');
    const metric = join(out, 'fit.json');
    writeFileSync(
      metric,
      readFileSync(metric, 'utf8').replace(/\d/, (d) => String((Number(d) + 1) % 10)),
    );
    rmSync(join(root, 'results/robust/summary/.lightcone-manifest.json'));
    writeFileSync(join(root, 'results/raw-median/summary/.lightcone-manifest.json'), '{"schema_version": 2');
    const { byId } = await statusJson(root, env);
    expect(byId['baseline/cleaned']).toMatchObject({
      state: 'stale',
      reasons: [
        {
          kind: 'input',
          detail: 'input points (data/points.csv) has new timestamps, same size (lc verify --refresh checks its bytes)',
        },
      ],
    });
    expect(byId['baseline/fit']).toMatchObject({
      state: 'modified',
      reasons: [{ kind: 'modified', detail: 'changed: fit.json' }],
    });
    expect(byId['robust/summary']).toMatchObject({ state: 'missing', reasons: [] });
    expect(byId['raw-median/summary']?.state).toBe('unreadable');
    expect(byId['raw-median/summary']?.reasons[0]?.detail).toMatch(/^manifest is not valid JSON/);
  });

  it('a renamed output file is modified', async () => {
    const { root, env } = await built();
    renameSync(join(root, 'results/clipped-ols/fit/fit.json'), join(root, 'results/clipped-ols/fit/fit.old'));
    const { byId } = await statusJson(root, env, ['clipped-ols/fit']);
    expect(byId['clipped-ols/fit']).toMatchObject({
      state: 'modified',
      reasons: [
        { kind: 'modified', detail: 'added: fit.old' },
        { kind: 'modified', detail: 'removed: fit.json' },
      ],
    });
  });

  it('a failed run shows failed with exit code and log path; dependents are stale (upstream failed)', async () => {
    const { root, env } = await built();
    writeFileSync(join(root, 'scripts/residuals.sh'), 'echo boom >&2\nexit 3\n');
    const run = await lc(['run', '--plain', '-u', 'baseline'], { cwd: root, env });
    expect(run.exitCode).not.toBe(0);
    const { byId } = await statusJson(root, env, ['-u', 'baseline']);
    const t = byId['baseline/residuals'];
    expect(t?.state).toBe('failed');
    expect(t?.reasons[0]?.detail).toMatch(/^last attempt failed \(exit 3\) at \S+; log: \S+\.log$/);
    expect(byId['baseline/summary']?.state).not.toBe('ok');
  });

  it('a manifest nobody may read is unreadable (lc run as an unprivileged user)', async () => {
    const { root, env } = await built();
    for (let d = root; d !== '/'; d = join(d, '..')) {
      if (d.startsWith('/tmp/')) chmodSync(d, 0o755);
      else break;
    }
    chmodSync(join(root, 'results/baseline/fit/.lightcone-manifest.json'), 0o000);
    // nobody's own scratch directory, as every user has one
    const scratch = join(root, '..', 'nobody-scratch');
    mkdirSync(scratch);
    chownSync(scratch, 65534, 65534);
    const { execa } = await import('execa');
    const r = await execa(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, LC, 'status', '--json', 'baseline/fit'],
      {
        cwd: root,
        env: { ...env, LIGHTCONE_SCRATCH: scratch, NO_COLOR: '1', CI: '1' },
        reject: false,
      },
    );
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const doc = JSON.parse(String(r.stdout)) as { tasks: JsonTask[] };
    expect(doc.tasks).toEqual([
      expect.objectContaining({
        id: 'baseline/fit',
        state: 'unreadable',
        reasons: [{ kind: 'unreadable', detail: 'permission denied reading .lightcone-manifest.json' }],
      }),
    ]);
  });

  it('aliases (re-exports) are shown as the output they resolve to', async () => {
    const t = tempDir('lc-status-cli-');
    cleanup = t.cleanup;
    const { cpSync } = await import('node:fs');
    const { FIXTURES } = await import('../helpers/lc.js');
    const root = join(t.dir, 'iris_pipeline');
    cpSync(join(FIXTURES, 'astra-examples', 'iris_pipeline'), root, { recursive: true });
    const r = await lc(['status', 'accuracy'], { cwd: root, env: { LIGHTCONE_SCRATCH: join(t.dir, 'scratch') } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      'classification.accuracy',
      '  missing    baseline',
      '  missing    mlp_svm',
      'accuracy -> classification.accuracy (alias)',
      '',
      '2 tasks: 2 missing',
    ]);
  });

  it('bad targets and universes are errors naming the candidates', async () => {
    const { root, env } = await built();
    const r = await lc(['status', 'fitt'], { cwd: root, env });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("no output 'fitt'");
    const u = await lc(['status', '-u', 'nope'], { cwd: root, env });
    expect(u.exitCode).toBe(1);
    expect(u.stderr).toContain("no universe 'nope'");
    expect((await lc(['status', '--bogus'], { cwd: root, env })).exitCode).toBe(2);
  });
});
