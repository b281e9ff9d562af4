/**
 * computeStatus on real temp projects: each way an output can go wrong yields the exact state
 * and reason. Tasks are hand-built (no spec loader): the engine only sees Task objects.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAsNobody } from '../helpers/lc.js';
import type { EngineContext } from '../../engine/context.js';
import type { Task } from '../../engine/dag/task.js';
import { MANIFEST_NAME } from '../../engine/manifest/schema.js';
import {
  computeStatus as computeStatusRaw,
  recordFailure,
  summarize,
  type TaskStatus,
} from '../../engine/status/index.js';
import { external, makeCtx, makeTask, materialise, tempRoot, upstream, writeFiles } from '../manifest/fixture.js';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

/**
 * Every scenario runs twice: reading manifests and listings afresh, and through the
 * observation cache (warmed before the change; racy window 0 so fresh files are cached).
 */
let mode: 'fresh' | 'cached' = 'fresh';
const computeStatus = (ctx: EngineContext, tasks?: Task[]) =>
  computeStatusRaw(ctx, tasks, mode === 'fresh' ? { observationCache: false } : { racyWindowMs: 0 });

/** points (external) -> clean -> fit -> report, in universe u1; clean calls scripts/clean.sh. */
async function chain(): Promise<{
  root: string;
  ctx: EngineContext;
  tasks: Task[];
  rebuild: (over?: Partial<Record<string, Partial<Task>>>) => EngineContext;
}> {
  const t = tempRoot('lc-status-');
  cleanup = t.cleanup;
  const root = t.root;
  writeFiles(root, { 'data/points.csv': 'x,y\n1,2\n3,4\n', 'scripts/clean.sh': 'cp "$1" "$2"\n' });
  const build = (over: Partial<Record<string, Partial<Task>>> = {}) => {
    const clean = {
      ...makeTask({
        universe: 'u1',
        output: 'clean',
        template: 'sh scripts/clean.sh {inputs.points} {output}/c.csv {decisions.cut}',
        decisions: { cut: 'none' },
        inputs: [external('points', 'data/points.csv')],
      }),
      ...over.clean,
    };
    const fit = {
      ...makeTask({
        universe: 'u1',
        output: 'fit',
        template: 'wc -l {inputs.clean} > {output}/fit.txt',
        inputs: [upstream('clean', 'u1', 'clean')],
      }),
      ...over.fit,
    };
    const report = {
      ...makeTask({
        universe: 'u1',
        output: 'report',
        template: 'cat {inputs.fit} > {output}/r.txt',
        inputs: [upstream('fit', 'u1', 'fit')],
      }),
      ...over.report,
    };
    return makeCtx(root, [clean, fit, report]);
  };
  const ctx = build();
  await materialise(ctx, 'u1/clean', { 'c.csv': 'x,y\n1,2\n3,4\n' });
  await materialise(ctx, 'u1/fit', { 'fit.txt': '3\n' });
  await materialise(ctx, 'u1/report', { 'r.txt': '3\n' });
  if (mode === 'cached') {
    // mtime ticks are coarse (ms): make sure a later edit gets a different timestamp
    await new Promise((r) => setTimeout(r, 20));
    expect((await computeStatus(ctx)).map((s) => s.state)).toEqual(['ok', 'ok', 'ok']);
  }
  return { root, ctx, tasks: ctx.dag.tasks, rebuild: build };
}

/** Run computeStatus from dist/ as user nobody, so permission bits are enforced (tests run as root). */
async function statusAsNobody(ctx: EngineContext): Promise<TaskStatus[]> {
  const { existsSync } = await import('node:fs');
  const dist = join(__dirname, '..', '..', 'dist', 'engine', 'status', 'compute.js');
  expect(existsSync(dist), 'run `npm run build` first: this test runs dist/ as user nobody').toBe(true);
  const script = `
    const { computeStatus } = await import(${JSON.stringify(dist)});
    const c = JSON.parse(process.argv[1]);
    c.dag.byId = new Map(c.dag.tasks.map((t) => [t.id, t]));
    c.project = { outputSpecDirs: new Map() };
    console.log(JSON.stringify(await computeStatus(c)));`;
  const payload = JSON.stringify({ root: ctx.root, scratch: ctx.scratch, dag: { tasks: ctx.dag.tasks } });
  const out = runAsNobody(script, payload);
  return JSON.parse(out) as TaskStatus[];
}

const byId = (ss: TaskStatus[]) => Object.fromEntries(ss.map((s) => [s.id, s]));
const brief = (s: TaskStatus | undefined) =>
  s && { state: s.state, reasons: s.reasons.map((r) => ({ kind: r.kind, detail: r.detail })) };

describe.each(['fresh', 'cached'] as const)('computeStatus (%s)', (m) => {
  beforeEach(() => {
    mode = m;
  });

  it('everything materialised and untouched is ok, with manifest facts', async () => {
    const { ctx } = await chain();
    const ss = await computeStatus(ctx);
    expect(ss.map((s) => [s.id, s.state, s.reasons.length])).toEqual([
      ['u1/clean', 'ok', 0],
      ['u1/fit', 'ok', 0],
      ['u1/report', 'ok', 0],
    ]);
    expect(ss[0]).toMatchObject({
      dataVersion: expect.stringMatching(/^sha256:/),
      host: 'testhost',
      manifestSchema: 2,
      outdir: 'results/u1/clean',
    });
    expect(summarize(ss)).toEqual({ ok: 3, stale: 0, missing: 0, failed: 0, modified: 0, unreadable: 0 });
  });

  it('tampering one byte (same size) marks the output modified, naming the file, and downstream stale', async () => {
    const { root, ctx } = await chain();
    const f = join(root, 'results/u1/fit/fit.txt');
    const before = statSync(f);
    writeFileSync(f, '4\n');
    // even with the old mtime restored by hand, size+mtime_ns rarely both survive; force a visible mtime change
    utimesSync(f, before.atime, new Date(before.mtimeMs + 1000));
    const s = byId(await computeStatus(ctx));
    expect(brief(s['u1/fit'])).toEqual({
      state: 'modified',
      reasons: [{ kind: 'modified', detail: 'changed: fit.txt' }],
    });
    expect(brief(s['u1/report'])).toEqual({
      state: 'stale',
      reasons: [{ kind: 'upstream', detail: 'upstream u1/fit is modified' }],
    });
  });

  it('renaming a file is modified (added + removed)', async () => {
    const { root, ctx } = await chain();
    const { renameSync } = await import('node:fs');
    renameSync(join(root, 'results/u1/clean/c.csv'), join(root, 'results/u1/clean/d.csv'));
    const s = byId(await computeStatus(ctx, [ctx.dag.byId.get('u1/clean') as Task]));
    expect(brief(s['u1/clean'])).toEqual({
      state: 'modified',
      reasons: [
        { kind: 'modified', detail: 'added: d.csv' },
        { kind: 'modified', detail: 'removed: c.csv' },
      ],
    });
  });

  it('a deleted manifest is missing; downstream names it', async () => {
    const { root, ctx } = await chain();
    rmSync(join(root, 'results/u1/clean', MANIFEST_NAME));
    const s = byId(await computeStatus(ctx));
    expect(brief(s['u1/clean'])).toEqual({ state: 'missing', reasons: [] });
    expect(brief(s['u1/fit'])).toEqual({
      state: 'stale',
      reasons: [{ kind: 'upstream', detail: 'upstream u1/clean is missing' }],
    });
    expect(brief(s['u1/report'])).toEqual({
      state: 'stale',
      reasons: [{ kind: 'upstream', detail: 'upstream u1/fit is stale' }],
    });
  });

  it('a corrupt manifest is unreadable with the reason, never missing', async () => {
    const { root, ctx } = await chain();
    writeFileSync(join(root, 'results/u1/fit', MANIFEST_NAME), '{"schema_version": 2,');
    const s = byId(await computeStatus(ctx));
    expect(s['u1/fit']?.state).toBe('unreadable');
    expect(s['u1/fit']?.reasons[0]?.detail).toMatch(/^manifest is not valid JSON/);
    expect(brief(s['u1/report'])).toEqual({
      state: 'stale',
      reasons: [{ kind: 'upstream', detail: 'upstream u1/fit is unreadable' }],
    });
  });

  it('a FIFO in place of a manifest or an input is unreadable or changed, and never blocks status', async () => {
    const { root, ctx } = await chain();
    rmSync(join(root, 'results/u1/fit', MANIFEST_NAME));
    execFileSync('mkfifo', [join(root, 'results/u1/fit', MANIFEST_NAME)]);
    rmSync(join(root, 'data/points.csv'));
    execFileSync('mkfifo', [join(root, 'data/points.csv')]);
    const s = byId(await computeStatus(ctx));
    expect(brief(s['u1/fit'])).toEqual({
      state: 'unreadable',
      reasons: [{ kind: 'unreadable', detail: `${MANIFEST_NAME} is not a regular file` }],
    });
    expect(brief(s['u1/clean'])).toEqual({
      state: 'stale',
      reasons: [{ kind: 'input', detail: 'input points (data/points.csv) changed' }],
    });
  });

  it('editing a script makes its task stale naming the file, and staleness propagates transitively', async () => {
    const { root, ctx } = await chain();
    writeFileSync(join(root, 'scripts/clean.sh'), 'cp "$1" "$2" # v2\n');
    const s = byId(await computeStatus(ctx));
    expect(brief(s['u1/clean'])).toEqual({
      state: 'stale',
      reasons: [{ kind: 'script', detail: 'script scripts/clean.sh changed' }],
    });
    expect(s['u1/clean']?.reasons[0]?.subject).toBe('scripts/clean.sh');
    expect(brief(s['u1/fit'])).toEqual({
      state: 'stale',
      reasons: [{ kind: 'upstream', detail: 'upstream u1/clean is stale' }],
    });
    expect(brief(s['u1/report'])).toEqual({
      state: 'stale',
      reasons: [{ kind: 'upstream', detail: 'upstream u1/fit is stale' }],
    });
  });

  it('changing a universe decision makes the task stale with the decision named', async () => {
    const { rebuild } = await chain();
    const ctx2 = rebuild({ clean: { decisions: { cut: 'clip' } } });
    const s = byId(await computeStatus(ctx2));
    expect(brief(s['u1/clean'])).toEqual({
      state: 'stale',
      reasons: [{ kind: 'decisions', detail: 'decision cut: none -> clip' }],
    });
  });

  it('recipe, container and result-affecting resources changes are named', async () => {
    const { root, rebuild } = await chain();
    writeFiles(root, { Containerfile: 'FROM python:3.12\n' });
    const ctx2 = rebuild({
      fit: { template: 'wc -c {inputs.clean} > {output}/fit.txt', resources: { cpus: 1, gpus: 1 } },
      report: { container: 'python:3.12' },
    });
    const s = byId(await computeStatus(ctx2));
    expect(brief(s['u1/fit'])).toEqual({
      state: 'stale',
      reasons: [
        { kind: 'recipe', detail: 'recipe changed: was `wc -l {inputs.clean} > {output}/fit.txt`' },
        { kind: 'resources', detail: 'gpus 0 -> 1' },
      ],
    });
    expect(brief(s['u1/report'])).toEqual({
      state: 'stale',
      reasons: [
        { kind: 'container', detail: 'container none -> python:3.12' },
        { kind: 'upstream', detail: 'upstream u1/fit is stale' },
      ],
    });
    // cpus do not change results: no reason
    const ctx3 = rebuild({ fit: { resources: { cpus: 8, gpus: 0 } } });
    expect(byId(await computeStatus(ctx3))['u1/fit']?.state).toBe('ok');
  });

  it('editing a Containerfile the task names makes it stale (container)', async () => {
    const t = tempRoot('lc-status-');
    cleanup = t.cleanup;
    writeFiles(t.root, { Containerfile: 'FROM debian\n' });
    const task = makeTask({ universe: 'u', output: 'o', template: 'true', container: 'Containerfile' });
    const ctx = makeCtx(t.root, [task]);
    await materialise(ctx, task.id, { x: '1' });
    expect((await computeStatus(ctx))[0]?.state).toBe('ok');
    writeFiles(t.root, { Containerfile: 'FROM debian:12\n' });
    const s = (await computeStatus(ctx))[0];
    expect(s?.state).toBe('stale');
    expect(s?.reasons[0]?.kind).toBe('container');
    expect(s?.reasons[0]?.detail).toBe('container Containerfile: Containerfile changed');
  });

  it('a re-run upstream with different bytes makes downstream stale (changed), identical bytes do not', async () => {
    const { ctx } = await chain();
    await materialise(ctx, 'u1/clean', { 'c.csv': 'x,y\n1,2\n3,4\n' });
    expect((await computeStatus(ctx)).map((s) => s.state)).toEqual(['ok', 'ok', 'ok']);
    await materialise(ctx, 'u1/clean', { 'c.csv': 'x,y\n1,2\n' });
    const s = byId(await computeStatus(ctx));
    expect(brief(s['u1/clean'])?.state).toBe('ok');
    expect(brief(s['u1/fit'])).toEqual({
      state: 'stale',
      reasons: [{ kind: 'upstream', detail: 'upstream u1/clean changed' }],
    });
    expect(brief(s['u1/report'])).toEqual({
      state: 'stale',
      reasons: [{ kind: 'upstream', detail: 'upstream u1/fit is stale' }],
    });
  });

  it('touching an external input makes its consumer stale (input)', async () => {
    const { root, ctx } = await chain();
    const p = join(root, 'data/points.csv');
    const st = statSync(p);
    utimesSync(p, st.atime, new Date(st.mtimeMs + 5000));
    const s = byId(await computeStatus(ctx));
    expect(brief(s['u1/clean'])).toEqual({
      state: 'stale',
      reasons: [
        {
          kind: 'input',
          detail: 'input points (data/points.csv) has new timestamps, same size (lc verify --refresh checks its bytes)',
        },
      ],
    });
    expect(s['u1/fit']?.state).toBe('stale');
    appendFileSync(p, 'more\n');
    expect(byId(await computeStatus(ctx))['u1/clean']?.reasons[0]?.detail).toBe('input points (data/points.csv) changed');
    rmSync(p);
    expect(byId(await computeStatus(ctx))['u1/clean']?.reasons[0]?.detail).toBe(
      'input points (data/points.csv) is missing',
    );
  });

  it('strict (sha256) input fingerprints ignore a touch but see a content change', async () => {
    const t = tempRoot('lc-status-');
    cleanup = t.cleanup;
    writeFiles(t.root, { 'in.txt': 'abc' });
    const task = makeTask({
      universe: 'u',
      output: 'o',
      template: 'cat {inputs.x} > {output}/o',
      inputs: [external('x', 'in.txt')],
    });
    const ctx = makeCtx(t.root, [task]);
    const { manifest } = await materialise(ctx, task.id, { o: 'abc' }, { strict: true });
    expect(manifest.input_versions.x).toMatch(/^sha256:/);
    const p = join(t.root, 'in.txt');
    const st = statSync(p);
    utimesSync(p, st.atime, new Date(st.mtimeMs + 5000));
    expect((await computeStatus(ctx))[0]?.state).toBe('ok');
    writeFileSync(p, 'abd');
    expect((await computeStatus(ctx))[0]?.reasons[0]?.kind).toBe('input');
  });

  it('a failed last attempt: failed without a manifest, and failed when newer than the manifest', async () => {
    const { root, ctx } = await chain();
    const info = {
      exitCode: 3,
      signal: null,
      at: new Date(Date.now() + 1000).toISOString(),
      logPath: '/s/fit/1.log',
      reason: 'exit',
    };
    await recordFailure(ctx.scratch, 'u1/fit', info);
    let s = byId(await computeStatus(ctx));
    expect(s['u1/fit']?.state).toBe('failed');
    expect(s['u1/fit']?.failure).toEqual(info);
    expect(s['u1/fit']?.reasons[0]?.detail).toBe(`last attempt failed (exit 3) at ${info.at}; log: /s/fit/1.log`);
    expect(brief(s['u1/report'])).toEqual({
      state: 'stale',
      reasons: [{ kind: 'upstream', detail: 'upstream u1/fit is failed' }],
    });
    rmSync(join(root, 'results/u1/fit'), { recursive: true });
    s = byId(await computeStatus(ctx));
    expect(s['u1/fit']?.state).toBe('failed');
    // an older failure than the manifest does not count
    await recordFailure(ctx.scratch, 'u1/clean', { ...info, at: new Date(0).toISOString() });
    expect(byId(await computeStatus(ctx))['u1/clean']?.state).toBe('ok');
  });

  it('permission denied (as an unprivileged user): manifest and listing failures are unreadable, with why', async () => {
    const { root, ctx } = await chain();
    chmodSync(root, 0o755);
    chmodSync(join(root, 'results/u1/clean', MANIFEST_NAME), 0o000);
    writeFiles(join(root, 'results/u1/fit'), { 'sub/x': '1' });
    chmodSync(join(root, 'results/u1/fit/sub'), 0o000);
    const out = await statusAsNobody(ctx);
    const s = byId(out);
    expect(brief(s['u1/clean'])).toEqual({
      state: 'unreadable',
      reasons: [{ kind: 'unreadable', detail: `permission denied reading ${MANIFEST_NAME}` }],
    });
    expect(brief(s['u1/fit'])).toEqual({
      state: 'unreadable',
      reasons: [{ kind: 'unreadable', detail: `cannot list ${join(root, 'results/u1/fit/sub')}: EACCES` }],
    });
    expect(brief(s['u1/report'])).toEqual({
      state: 'stale',
      reasons: [{ kind: 'upstream', detail: 'upstream u1/fit is unreadable' }],
    });
  });

  it('a symlink loop in an output is skipped like Python does, not an error', async () => {
    const { root, ctx } = await chain();
    const { symlinkSync } = await import('node:fs');
    symlinkSync('loop', join(root, 'results/u1/fit/loop'));
    expect(byId(await computeStatus(ctx))['u1/fit']?.state).toBe('ok');
  });

  it('Lightcone schema 1 manifests: ok when code_version matches and no script is called, else stale with the reason', async () => {
    const t = tempRoot('lc-status-');
    cleanup = t.cleanup;
    writeFiles(t.root, { 'fit.py': 'print(1)\n' });
    const plain = makeTask({
      universe: 'u',
      output: 'a',
      template: 'echo hi > {output}/a.txt',
      decisions: { m: 'ols' },
    });
    const scripted = makeTask({
      universe: 'u',
      output: 'b',
      template: 'python fit.py {output}',
      decisions: { m: 'ols' },
    });
    const ctx = makeCtx(t.root, [plain, scripted]);
    const { createHash } = await import('node:crypto');
    const { hashDir } = await import('../../engine/hash/sha256-dir.js');
    const v1 = async (task: Task, decisions: Record<string, string>) => {
      const dir = join(t.root, task.outdir);
      writeFiles(dir, { 'a.txt': 'hi\n' });
      // Lightcone's code_version: compact sorted-key JSON of container_image, decisions, recipe.
      const cv =
        'sha256:' +
        createHash('sha256')
          .update(JSON.stringify({ container_image: null, decisions, recipe: task.template }))
          .digest('hex');
      const m = {
        schema_version: 1,
        output_id: task.output,
        universe_id: task.universe,
        code_version: cv,
        data_version: (await hashDir(dir)).dataVersion,
        container_image: null,
        recipe: task.template,
        decisions,
        input_versions: {},
        git_sha: null,
        lc_version: '0.4.2',
        finished_at: Date.now() / 1000,
        host: 'nid001',
        slurm_job_id: null,
      };
      writeFileSync(join(dir, MANIFEST_NAME), JSON.stringify(m, null, 2));
    };
    await v1(plain, { m: 'ols' });
    await v1(scripted, { m: 'ols' });
    let s = await computeStatus(ctx);
    expect(s.map(brief)).toEqual([
      { state: 'ok', reasons: [] },
      {
        state: 'stale',
        reasons: [
          {
            kind: 'script',
            detail: 'script fit.py not recorded (manifest written by an older tool, lightcone-cli schema 1)',
          },
        ],
      },
    ]);
    expect(s[0]?.manifestSchema).toBe(1);
    await v1(plain, { m: 'median' });
    s = await computeStatus(ctx);
    expect(brief(s[0])).toEqual({
      state: 'stale',
      reasons: [{ kind: 'decisions', detail: 'decision m: median -> ols' }],
    });
  });

  it('every stale task has at least one reason (sweep of mixed changes)', async () => {
    const { root, rebuild } = await chain();
    writeFileSync(join(root, 'scripts/clean.sh'), 'changed\n');
    const ctx2 = rebuild({ report: { decisions: { x: 'y' } } });
    const ss = await computeStatus(ctx2);
    for (const s of ss) if (s.state === 'stale') expect(s.reasons.length).toBeGreaterThan(0);
    expect(ss.filter((s) => s.state === 'stale').length).toBe(3);
  });

  it('selecting a downstream task still judges its upstream', async () => {
    const { root, ctx } = await chain();
    writeFileSync(join(root, 'scripts/clean.sh'), 'changed\n');
    const ss = await computeStatus(ctx, [ctx.dag.byId.get('u1/report') as Task]);
    expect(ss.map(brief)).toEqual([
      { state: 'stale', reasons: [{ kind: 'upstream', detail: 'upstream u1/fit is stale' }] },
    ]);
  });
});
