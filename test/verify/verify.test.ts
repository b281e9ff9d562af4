/** verifyTasks on real temp projects: every failure kind, the chain walk, and the stat cache. */
import { readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyAsNobody } from './as-nobody.js';
import type { EngineContext } from '../../engine/context.js';
import { MANIFEST_NAME } from '../../engine/manifest/schema.js';
import { verifyTasks, type VerifyResult } from '../../engine/verify/index.js';
import { cleanFitChain, makeTask, materialise, writeFiles } from '../manifest/fixture.js';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

async function chain(): Promise<{ root: string; ctx: EngineContext }> {
  const c = await cleanFitChain('lc-verify-', { moreBytes: 2 * 1024 * 1024, extra: [makeTask({ universe: 'u2', output: 'fit', template: 'true' })] });
  cleanup = c.cleanup;
  return { root: c.root, ctx: c.ctx };
}

const brief = (r: VerifyResult) => [r.id, r.status, r.failure, r.detail];
const verify = (ctx: EngineContext, noCache = true) => verifyTasks(ctx, ctx.dag.tasks, { jobs: 2, noCache });

describe('verifyTasks', () => {
  it('passes untouched outputs and skips unmaterialised ones', async () => {
    const { ctx } = await chain();
    const rs = await verify(ctx);
    expect(rs.map(brief)).toEqual([
      ['u1/clean', 'passed', null, null],
      ['u1/fit', 'passed', null, null],
      ['u2/fit', 'not_materialised', null, null],
    ]);
    expect(rs[0]).toMatchObject({ passed: true, files: 2, bytes: 2 * 1024 * 1024 + 8, cached: false });
  });

  it('a tampered byte (same size, mtime restored) is tampered_data with both hashes', async () => {
    const { root, ctx } = await chain();
    const f = join(root, 'results/u1/clean/sub/more.bin');
    const st = statSync(f);
    const b = Buffer.alloc(2 * 1024 * 1024, 7);
    b[12345] = 8;
    writeFileSync(f, b);
    utimesSync(f, st.atime, st.mtime);
    const [clean] = await verify(ctx, false);
    expect(clean?.failure).toBe('tampered_data');
    expect(clean?.detail).toMatch(/^recorded 'sha256:[0-9a-f]{64}' != actual 'sha256:[0-9a-f]{64}'$/);
  });

  it('a renamed file is tampered_data', async () => {
    const { root, ctx } = await chain();
    renameSync(join(root, 'results/u1/fit/fit.txt'), join(root, 'results/u1/fit/fit2.txt'));
    expect((await verify(ctx))[1]?.failure).toBe('tampered_data');
  });

  it('a deleted manifest is missing_manifest; downstream chain names the link', async () => {
    const { root, ctx } = await chain();
    rmSync(join(root, 'results/u1/clean', MANIFEST_NAME));
    const rs = await verify(ctx);
    expect(brief(rs[0] as VerifyResult)).toEqual([
      'u1/clean',
      'failed',
      'missing_manifest',
      'no manifest in results/u1/clean: its files have no recorded provenance',
    ]);
    expect(brief(rs[1] as VerifyResult)).toEqual([
      'u1/fit',
      'failed',
      'broken_chain',
      "upstream u1/clean (input 'clean') has no manifest",
    ]);
  });

  it('an empty output dir without a manifest is not materialised; one with files is missing_manifest', async () => {
    const { root, ctx } = await chain();
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(root, 'results/u2/fit/sub'), { recursive: true });
    expect((await verify(ctx))[2]?.status).toBe('not_materialised');
    writeFiles(join(root, 'results/u2/fit'), { 'partial.txt': 'half' });
    expect(brief((await verify(ctx))[2] as VerifyResult)).toEqual([
      'u2/fit',
      'failed',
      'missing_manifest',
      'no manifest in results/u2/fit: its files have no recorded provenance',
    ]);
  });

  it('a corrupt manifest is unreadable with the reason', async () => {
    const { root, ctx } = await chain();
    writeFileSync(join(root, 'results/u1/fit', MANIFEST_NAME), 'not json');
    const r = (await verify(ctx))[1] as VerifyResult;
    expect(r.failure).toBe('unreadable');
    expect(r.detail).toMatch(/^manifest is not valid JSON/);
  });

  it('an upstream re-run with different bytes breaks the chain (drift named)', async () => {
    const { ctx } = await chain();
    const old = (await verify(ctx))[0]?.actual;
    await materialise(ctx, 'u1/clean', { 'c.csv': 'x,y\n9,9\n' });
    const rs = await verify(ctx);
    expect(rs[0]?.passed).toBe(true);
    expect(rs[1]?.failure).toBe('broken_chain');
    expect(rs[1]?.detail).toBe(
      `upstream u1/clean (input 'clean') data_version drifted: recorded '${old}', now '${rs[0]?.actual}'`,
    );
  });

  it('an input missing from input_versions breaks the chain', async () => {
    const { root, ctx } = await chain();
    const p = join(root, 'results/u1/fit', MANIFEST_NAME);
    const { readFileSync } = await import('node:fs');
    const m = JSON.parse(readFileSync(p, 'utf8'));
    m.input_versions = {};
    writeFileSync(p, JSON.stringify(m));
    expect((await verify(ctx))[1]?.detail).toBe("input 'clean' missing from manifest");
  });

  it('an external input with new bytes is input_changed; only touched, its bytes still match and it passes', async () => {
    const { root, ctx } = await chain();
    const p = join(root, 'data/points.csv');
    const st = statSync(p);
    utimesSync(p, st.atime, new Date(st.mtimeMs + 3000));
    expect((await verify(ctx))[0]).toMatchObject({ passed: true, failure: null });
    writeFileSync(p, Buffer.from(readFileSync(p).map((b, i) => (i === 0 ? b ^ 1 : b))));
    utimesSync(p, st.atime, new Date(st.mtimeMs + 6000));
    const r = (await verify(ctx))[0] as VerifyResult;
    expect(r.failure).toBe('input_changed');
    expect(r.detail).toMatch(
      /^input 'points' \(data\/points\.csv\): recorded 'mtime-size:\d+-8', now 'mtime-size:\d+-8'$/,
    );
  });

  it('the stat cache answers an unchanged second verify, and any change invalidates it', async () => {
    const { root, ctx } = await chain();
    // entries written in the last 2 s are never cached (racy timestamps): age the files
    const old = new Date(Date.now() - 60_000);
    for (const f of ['results/u1/clean/c.csv', 'results/u1/clean/sub/more.bin', 'results/u1/fit/fit.txt'])
      utimesSync(join(root, f), old, old);
    const first = await verify(ctx, false);
    expect(first.filter((r) => r.status !== 'not_materialised').map((r) => r.cached)).toEqual([false, false]);
    // ctime is part of the key and is "now" after utimes; wait out the racy window once
    await new Promise((r) => setTimeout(r, 2100));
    await verify(ctx, false);
    const third = await verify(ctx, false);
    expect(third.filter((r) => r.status !== 'not_materialised').map((r) => [r.cached, r.passed])).toEqual([
      [true, true],
      [true, true],
    ]);
    // --no-cache hashes again
    expect((await verify(ctx, true)).map((r) => r.cached)).toEqual([false, false, false]);
    // a same-size edit with mtime restored still changes ctime -> cache miss -> tampered
    const f = join(root, 'results/u1/fit/fit.txt');
    writeFileSync(f, '3\n');
    utimesSync(f, old, old);
    const after = await verify(ctx, false);
    expect([after[1]?.cached, after[1]?.failure]).toEqual([false, 'tampered_data']);
  });

  it('an unreadable file inside an output (as nobody) is reported, not a crash', async () => {
    const { root, ctx } = await chain();
    chmodSync(root, 0o755);
    chmodSync(join(root, 'results/u1/fit/fit.txt'), 0o000);
    const rs = verifyAsNobody(ctx, { jobs: 2, noCache: true });
    expect([rs[0]?.passed, rs[0]?.detail]).toEqual([true, null]);
    expect([rs[1]?.failure, rs[1]?.detail]).toEqual([
      'unreadable',
      `cannot read ${join(root, 'results/u1/fit/fit.txt')} while hashing: EACCES`,
    ]);
  });
});
