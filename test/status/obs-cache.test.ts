/** The status observation cache: used when it can be, never when something moved. */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { computeStatus } from '../../engine/status/index.js';
import { ObservationCacheSchemas, splitObservations } from '../../engine/status/obs-cache-format.js';
import { observationCachePath } from '../../engine/status/obs-cache.js';
import { makeCtx, makeTask, materialise, tempRoot, writeFiles } from '../manifest/fixture.js';

let cleanup: (() => void) | undefined;

/** One entry of the cache file, [identity, slim, tree], after checking every part against its zod schema. */
function entryOf(file: string, outdir: string): [unknown, unknown, [unknown[], unknown[]]] {
  const parts = splitObservations(readFileSync(file, 'utf8'));
  if (!parts) throw new Error(`${file} is not an observation cache`);
  const schemas = ObservationCacheSchemas();
  const lines = parts.plan === '' ? [] : parts.plan.split('\n').map((l) => schemas.planLine.parse(JSON.parse(l)));
  const views = schemas.views.parse(JSON.parse(parts.views));
  expect([lines.length, views.length]).toEqual([parts.count, parts.count]);
  const i = lines.findIndex((l) => l[0] === outdir);
  const plan = lines[i];
  if (!plan) throw new Error(`no entry for ${outdir}`);
  return [plan[1], views[i]?.[1], plan[2] as [unknown[], unknown[]]];
}
afterEach(() => cleanup?.());

async function setup() {
  const t = tempRoot('lc-obs-');
  cleanup = t.cleanup;
  const task = makeTask({ universe: 'u', output: 'o', template: 'true' });
  const ctx = makeCtx(t.root, [task]);
  await materialise(ctx, task.id, { 'a.txt': 'a', 'sub/b.txt': 'b' });
  await new Promise((r) => setTimeout(r, 20));
  const cacheFile = () => {
    const dir = ctx.scratch.cache;
    if (!existsSync(dir)) return undefined;
    const name = readdirSync(dir).find((n) => n.startsWith('status-observations-'));
    return name ? join(dir, name) : undefined;
  };
  return { root: t.root, ctx, task, cacheFile };
}

describe('observation cache', () => {
  it('is not written for entries younger than the racy window (default 2 s)', async () => {
    const { ctx, cacheFile } = await setup();
    await computeStatus(ctx);
    const f = cacheFile();
    const entries = f ? Object.keys(JSON.parse(readFileSync(f, 'utf8')).entries) : [];
    expect(entries).toEqual([]);
  });

  it('a hit answers from the cache without reading the manifest again', async () => {
    const { ctx, cacheFile } = await setup();
    expect((await computeStatus(ctx, undefined, { racyWindowMs: 0 }))[0]?.state).toBe('ok');
    const f = cacheFile() as string;
    const e = entryOf(f, 'results/u/o');
    const [dirs, files] = e[2] as [[string][], [string][]];
    expect(dirs.map((d) => d[0]).sort()).toEqual(['', 'sub']);
    expect(files.map((f) => f[0])).toEqual(['a.txt', 'sub/b.txt']);
    // Prove the manifest is not re-read: a doctored cached data_version shows through.
    writeFileSync(f, readFileSync(f, 'utf8').replace(/"sha256:[0-9a-f]{64}"/, '"sha256:from-the-cache"'));
    expect((await computeStatus(ctx, undefined, { racyWindowMs: 0 }))[0]?.dataVersion).toBe('sha256:from-the-cache');
  });

  it('a rewritten manifest, a file added in a subdir, or an edited file are seen through the cache', async () => {
    const { root, ctx, task } = await setup();
    const opts = { racyWindowMs: 0 };
    expect((await computeStatus(ctx, undefined, opts))[0]?.state).toBe('ok');
    writeFiles(join(root, task.outdir), { 'sub/new.txt': 'n' });
    expect((await computeStatus(ctx, undefined, opts))[0]?.reasons.map((r) => r.detail)).toEqual([
      'added: sub/new.txt',
    ]);
    const again = await materialise(ctx, task.id, { 'a.txt': 'A2' });
    await new Promise((r) => setTimeout(r, 20));
    const s = (await computeStatus(ctx, undefined, opts))[0];
    expect([s?.state, s?.dataVersion]).toEqual(['ok', again.manifest.data_version]);
    writeFileSync(join(root, task.outdir, 'a.txt'), 'A3');
    expect((await computeStatus(ctx, undefined, opts))[0]?.reasons.map((r) => r.detail)).toEqual(['changed: a.txt']);
  });

  it('an edit that keeps the size and puts the mtime back is still seen (ctime moves)', async () => {
    const { root, ctx, task } = await setup();
    const opts = { racyWindowMs: 0 };
    expect((await computeStatus(ctx, undefined, opts))[0]?.state).toBe('ok');
    const file = join(root, task.outdir, 'a.txt');
    const ns = statSync(file, { bigint: true }).mtimeNs;
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(file, 'z'); // same size as 'a'
    const frac = String(ns % 1_000_000_000n).padStart(9, '0');
    execFileSync('touch', ['-m', '-d', `@${ns / 1_000_000_000n}.${frac}`, file]); // mtime back, to the ns
    // The manifest's fingerprint (size + mtime) cannot tell; the cache must not vouch for it.
    const s = (await computeStatus(ctx, undefined, opts))[0];
    expect(s?.state).toBe('ok');
    const files = entryOf(observationCachePath(ctx.scratch.cache), 'results/u/o')[2][1] as [string, number, number, number, number][];
    expect(files.find((f) => f[0] === 'a.txt')?.[4]).toBe(statSync(file).ctimeMs);
  });

  it('a damaged cache file is ignored', async () => {
    const { ctx, cacheFile } = await setup();
    await computeStatus(ctx, undefined, { racyWindowMs: 0 });
    for (const damaged of [
      '{"schema":1,"entries":{"results/u/o":["x",[9],null,null]}}',
      '{"schema":3,"entries":1}\n["results/u/o","x",null]\n[["results/u/o",[9]]]\n',
      '{"schema":3,"entries":1}\n["results/u/o",[1,2,3,4,5],[[["",1]],"no"]]\n[["results/u/o",[2,"sha256:x",null,null,null,null,null,{},null]]]\n',
      '{"schema":3,"entries":2}\n["results/u/o",[1,2,3,4,5],null]\n[]\n',
    ]) {
      writeFileSync(cacheFile() as string, damaged);
      expect((await computeStatus(ctx, undefined, { racyWindowMs: 0 }))[0]?.state).toBe('ok');
    }
    writeFileSync(cacheFile() as string, 'not json');
    expect((await computeStatus(ctx, undefined, { racyWindowMs: 0 }))[0]?.state).toBe('ok');
  });
});

describe('status prefetch (worker thread)', () => {
  it('confirms unchanged outputs, flags changed files, leaves moved manifests to the main thread', async () => {
    const { startStatusPrefetch } = await import('../../engine/status/prefetch.js');
    const t = tempRoot('lc-prefetch-');
    cleanup = t.cleanup;
    const tasks = ['a', 'b', 'c', 'd'].map((o) => makeTask({ universe: 'u', output: o, template: 'true' }));
    const ctx = makeCtx(t.root, tasks);
    for (const task of tasks) await materialise(ctx, task.id, { 'x.txt': task.output });
    await new Promise((r) => setTimeout(r, 20));
    await computeStatus(ctx, undefined, { racyWindowMs: 0 });
    writeFileSync(join(t.root, 'results/u/a/x.txt'), 'changed');
    await materialise(ctx, 'u/c', { 'x.txt': 'rewritten' });
    // Only b and d are vouched for: a's file and c's manifest moved, so the main thread looks.
    // One worker, and a worker per entry: answers are merged back in plan order.
    for (const workers of [1, 4]) {
      const pre = await startStatusPrefetch(t.root, ctx.scratch.cache, { minCacheBytes: 1, minCores: 1, workers });
      expect(pre && [...pre.keys()]).toEqual(['results/u/b', 'results/u/d']);
    }
    const pre = await startStatusPrefetch(t.root, ctx.scratch.cache, { minCacheBytes: 1, minCores: 1 });
    const s = await computeStatus(ctx, undefined, { racyWindowMs: 0, ...(pre ? { prefetched: pre } : {}) });
    expect(s.map((x) => [x.id, x.state, x.reasons.map((r) => r.detail)])).toEqual([
      ['u/a', 'modified', ['changed: x.txt']],
      ['u/b', 'ok', []],
      ['u/c', 'ok', []],
      ['u/d', 'ok', []],
    ]);
  });

  it('runs from dist/ too, and gives nothing for a small or missing cache', async () => {
    const { startStatusPrefetch } = await import('../../engine/status/prefetch.js');
    const t = tempRoot('lc-prefetch-');
    cleanup = t.cleanup;
    expect(await startStatusPrefetch(t.root, join(t.root, 'nope'))).toBeUndefined();
    const task = makeTask({ universe: 'u', output: 'a', template: 'true' });
    const ctx = makeCtx(t.root, [task]);
    await materialise(ctx, task.id, { 'x.txt': 'x' });
    await new Promise((r) => setTimeout(r, 20));
    await computeStatus(ctx, undefined, { racyWindowMs: 0 });
    expect(await startStatusPrefetch(t.root, ctx.scratch.cache, { minCores: 1 })).toBeUndefined(); // below 256 KiB
    const dist = join(__dirname, '..', '..', 'dist', 'engine', 'status', 'prefetch.js');
    expect(existsSync(dist), 'run `npm run build` first').toBe(true);
    const script = `const { startStatusPrefetch } = await import(${JSON.stringify(dist)});
      const r = await startStatusPrefetch(process.argv[1], process.argv[2], { minCacheBytes: 1, minCores: 1 });
      console.log(JSON.stringify(r ? [...r.keys()] : null));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, t.root, ctx.scratch.cache], {
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual(['results/u/a']);
  });
});
