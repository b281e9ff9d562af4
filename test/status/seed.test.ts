/** Seeding the observation cache with what a run recorded: only what can still be vouched for. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { observationCachePath } from '../../engine/status/obs-cache.js';
import { splitObservations } from '../../engine/status/obs-cache-format.js';
import { computeStatus } from '../../engine/status/index.js';
import {
  DEFAULT_RACY_WINDOW_MS,
  LOCAL_RACY_WINDOW_MS,
  racyWindowForType,
  racyWindowMs,
} from '../../engine/status/racy-window.js';
import { recordedOutput, seedObservations, type RecordedOutput } from '../../engine/status/seed.js';
import { makeCtx, makeTask, materialise, tempRoot } from '../manifest/fixture.js';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

const cachedOutdirs = (cacheDir: string): string[] => {
  const parts = splitObservations(readFileSync(observationCachePath(cacheDir), 'utf8'));
  return parts ? parts.plan.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as [string])[0]) : [];
};

describe('seedObservations', () => {
  it('stores outputs whose manifest and files are as recorded; skips a rewritten manifest and changed files', async () => {
    const t = tempRoot('lc-seed-');
    cleanup = t.cleanup;
    const tasks = ['a', 'b', 'c'].map((o) => makeTask({ universe: 'u', output: o, template: 'true' }));
    const ctx = makeCtx(t.root, tasks);
    const recorded: RecordedOutput[] = [];
    for (const task of tasks) {
      const { manifest } = await materialise(ctx, task.id, { 'x.txt': task.output });
      recorded.push(recordedOutput(ctx.root, task.outdir, manifest) as RecordedOutput);
    }
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(join(t.root, 'results/u/b/x.txt'), 'changed'); // files no longer match
    await materialise(ctx, 'u/c', { 'x.txt': 'again' }); // a manifest this "run" did not write
    expect(seedObservations(ctx.root, ctx.scratch.cache, recorded, 0)).toBe(1);
    expect(cachedOutdirs(ctx.scratch.cache)).toEqual(['results/u/a']);
    // The seeded view is believed without reading the manifest: a doctored one shows through.
    const f = observationCachePath(ctx.scratch.cache);
    writeFileSync(f, readFileSync(f, 'utf8').replace(/"sha256:[0-9a-f]{64}"/, '"sha256:from-the-run"'));
    const s = await computeStatus(ctx, undefined, { racyWindowMs: 0 });
    expect(s.map((x) => [x.id, x.state, x.dataVersion?.slice(0, 20)])).toEqual([
      ['u/a', 'ok', 'sha256:from-the-run'],
      ['u/b', 'modified', expect.stringMatching(/^sha256:/)],
      ['u/c', 'ok', expect.stringMatching(/^sha256:[0-9a-f]/)],
    ]);
  });

  it('leaves outputs younger than the racy window to the next status', async () => {
    const t = tempRoot('lc-seed-');
    cleanup = t.cleanup;
    const task = makeTask({ universe: 'u', output: 'a', template: 'true' });
    const ctx = makeCtx(t.root, [task]);
    const { manifest } = await materialise(ctx, task.id, { 'x.txt': 'a' });
    const r = recordedOutput(ctx.root, task.outdir, manifest) as RecordedOutput;
    expect(seedObservations(ctx.root, ctx.scratch.cache, [r], 2000)).toBe(0);
  });

  it("uses the file system's window by default: outputs older than 100 ms on a local disk are stored", async () => {
    const t = tempRoot('lc-seed-');
    cleanup = t.cleanup;
    expect(racyWindowMs(t.root)).toBe(LOCAL_RACY_WINDOW_MS); // test dirs are on ext4 or tmpfs
    const task = makeTask({ universe: 'u', output: 'a', template: 'true' });
    const ctx = makeCtx(t.root, [task]);
    const { manifest } = await materialise(ctx, task.id, { 'x.txt': 'a' });
    const r = recordedOutput(ctx.root, task.outdir, manifest) as RecordedOutput;
    await new Promise((res) => setTimeout(res, 250)); // older than 100 ms, younger than 2 s
    expect(seedObservations(ctx.root, ctx.scratch.cache, [r])).toBe(1);
  });
});

describe('racy window by file system', () => {
  it('is 100 ms where this machine stamps the files, 2 s on network and unknown file systems', () => {
    expect(racyWindowForType(0xef53)).toBe(100); // ext4
    expect(racyWindowForType(0x01021994)).toBe(100); // tmpfs
    expect(racyWindowForType(0x58465342)).toBe(100); // xfs
    expect(racyWindowForType(0x6969)).toBe(DEFAULT_RACY_WINDOW_MS); // NFS
    expect(racyWindowForType(0x0bd00bd0)).toBe(DEFAULT_RACY_WINDOW_MS); // Lustre
    expect(racyWindowForType(0x47504653)).toBe(DEFAULT_RACY_WINDOW_MS); // GPFS
    expect(racyWindowForType(0x65735546)).toBe(DEFAULT_RACY_WINDOW_MS); // FUSE
    expect(racyWindowMs('/no/such/path/for/lc')).toBe(DEFAULT_RACY_WINDOW_MS);
  });
});
