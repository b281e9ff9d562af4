/** The status observation cache: used when it can be, never when something moved. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { computeStatus } from '../../engine/status/index.js';
import { makeCtx, makeTask, materialise, tempRoot, writeFiles } from '../manifest/fixture.js';

let cleanup: (() => void) | undefined;
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
    const doc = JSON.parse(readFileSync(f, 'utf8'));
    const e = doc.entries['results/u/o'];
    expect(e[2].map((d: [string, string]) => d[0]).sort()).toEqual(['', 'sub']);
    expect(e[3]).toEqual(['a.txt', 'sub/b.txt']);
    // Prove the manifest is not re-read: a doctored cached data_version shows through.
    e[1][1] = 'sha256:from-the-cache';
    writeFileSync(f, JSON.stringify(doc));
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

  it('a damaged cache file is ignored', async () => {
    const { ctx, cacheFile } = await setup();
    await computeStatus(ctx, undefined, { racyWindowMs: 0 });
    writeFileSync(cacheFile() as string, '{"schema":1,"entries":{"results/u/o":["x",[9],null,null]}}');
    expect((await computeStatus(ctx, undefined, { racyWindowMs: 0 }))[0]?.state).toBe('ok');
    writeFileSync(cacheFile() as string, 'not json');
    expect((await computeStatus(ctx, undefined, { racyWindowMs: 0 }))[0]?.state).toBe('ok');
  });
});

describe('status prefetch (worker thread)', () => {
  it('confirms unchanged outputs, flags changed files, leaves moved manifests to the main thread', async () => {
    const { startStatusPrefetch } = await import('../../engine/status/prefetch.js');
    const t = tempRoot('lc-prefetch-');
    cleanup = t.cleanup;
    const tasks = ['a', 'b', 'c'].map((o) => makeTask({ universe: 'u', output: o, template: 'true' }));
    const ctx = makeCtx(t.root, tasks);
    for (const task of tasks) await materialise(ctx, task.id, { 'x.txt': task.output });
    await new Promise((r) => setTimeout(r, 20));
    await computeStatus(ctx, undefined, { racyWindowMs: 0 });
    writeFileSync(join(t.root, 'results/u/b/x.txt'), 'changed');
    await materialise(ctx, 'u/c', { 'x.txt': 'rewritten' });
    const pre = await startStatusPrefetch(t.root, ctx.scratch.cache, { minCacheBytes: 1, minCores: 1 });
    expect(pre && [...pre].map(([outdir, [, match]]) => [outdir, match])).toEqual([
      ['results/u/a', true],
      ['results/u/b', false],
    ]);
    const s = await computeStatus(ctx, undefined, { racyWindowMs: 0, ...(pre ? { prefetched: pre } : {}) });
    expect(s.map((x) => [x.id, x.state, x.reasons.map((r) => r.detail)])).toEqual([
      ['u/a', 'ok', []],
      ['u/b', 'modified', ['changed: x.txt']],
      ['u/c', 'ok', []],
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
    const { execFileSync } = await import('node:child_process');
    const dist = join(__dirname, '..', '..', 'dist', 'engine', 'status', 'prefetch.js');
    expect(existsSync(dist), 'run `npm run build` first').toBe(true);
    const script = `const { startStatusPrefetch } = await import(${JSON.stringify(dist)});
      const r = await startStatusPrefetch(process.argv[1], process.argv[2], { minCacheBytes: 1, minCores: 1 });
      console.log(JSON.stringify(r ? [...r].map(([k, v]) => [k, v[1]]) : null));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, t.root, ctx.scratch.cache], {
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual([['results/u/a', true]]);
  });
});
