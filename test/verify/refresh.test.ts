/**
 * `verifyTasks({ refresh: true })` and its guards on real temp projects: what is rewritten (the
 * stat block only, as recordSuccess builds it), and every case where nothing may be written.
 */
import { chmodSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineContext } from '../../engine/context.js';
import { statFingerprint } from '../../engine/hash/fingerprint.js';
import { listFilesSync } from '../../engine/hash/walk.js';
import { MANIFEST_NAME, type Manifest } from '../../engine/manifest/schema.js';
import { statRecord } from '../../engine/manifest/stat-record.js';
import { readManifestKeepingText, refreshStat, sameListing } from '../../engine/verify/refresh.js';
import { verifyTasks, type VerifyResult } from '../../engine/verify/index.js';
import { verifyAsNobody } from './as-nobody.js';
import { cleanFitChain } from '../manifest/fixture.js';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

const CLEAN = 'results/u1/clean';
const FIT = 'results/u1/fit';

async function chain(): Promise<{ root: string; ctx: EngineContext }> {
  const c = await cleanFitChain('lc-refresh-', { moreBytes: 64 * 1024 });
  cleanup = c.cleanup;
  return { root: c.root, ctx: c.ctx };
}

/** Give every file of an output dir a new mtime, as `cp -r` or `touch` would: same bytes. */
function touchAll(absDir: string, when = new Date(Date.now() - 30_000)): void {
  for (const e of listFilesSync(absDir).entries) utimesSync(e.abs, when, when);
}

const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
const withoutStat = (m: Record<string, unknown>) => ({ ...m, stat: undefined });
const refresh = (ctx: EngineContext) => verifyTasks(ctx, ctx.dag.tasks, { jobs: 2, noCache: true, refresh: true });
const outcome = (r: VerifyResult | undefined) => [r?.id, r?.passed, r?.refresh];

/** The clean output of the chain fixture, touched (stat block stale), its manifest and listing as verify read them. */
async function touchedCleanOutput() {
  const { root } = await chain();
  const dir = join(root, CLEAN);
  touchAll(dir);
  const { result, text } = readManifestKeepingText(dir);
  if (result.kind !== 'ok') throw new Error('manifest unreadable');
  return { dir, result, text, hashed: listFilesSync(dir) };
}

describe('verify --refresh (engine)', () => {
  it('records the new stat of touched outputs whose bytes match; nothing else in the manifest changes', async () => {
    const { root, ctx } = await chain();
    const before = readJson(join(root, CLEAN, MANIFEST_NAME));
    touchAll(join(root, CLEAN));
    const listing = listFilesSync(join(root, CLEAN));
    expect(statFingerprint(listing.entries)).not.toBe((before.stat as { fingerprint: string }).fingerprint);

    const rs = await refresh(ctx);
    expect(rs.map(outcome)).toEqual([
      ['u1/clean', true, { refreshed: true }],
      ['u1/fit', true, { refreshed: false, reason: null }], // its stat already matched
    ]);
    const after = readJson(join(root, CLEAN, MANIFEST_NAME));
    expect(withoutStat(after)).toEqual(withoutStat(before));
    // The same block recordSuccess builds: fingerprint plus one entry per file.
    expect(after.stat).toEqual(statRecord(listing.entries));
    expect((after.stat as { entries: unknown[] }).entries).toHaveLength(2);
    // Idempotent: a second refresh finds nothing to do and verify still passes.
    expect((await refresh(ctx)).map(outcome)).toEqual([
      ['u1/clean', true, { refreshed: false, reason: null }],
      ['u1/fit', true, { refreshed: false, reason: null }],
    ]);
  });

  it('without refresh nothing is written and results carry no refresh field', async () => {
    const { root, ctx } = await chain();
    touchAll(join(root, CLEAN));
    const text = readFileSync(join(root, CLEAN, MANIFEST_NAME), 'utf8');
    const rs = await verifyTasks(ctx, ctx.dag.tasks, { jobs: 2, noCache: true });
    expect(rs.map((r) => [r.passed, 'refresh' in r])).toEqual([
      [true, false],
      [true, false],
    ]);
    expect(readFileSync(join(root, CLEAN, MANIFEST_NAME), 'utf8')).toBe(text);
  });

  it('an output whose bytes changed is tampered_data and keeps its manifest', async () => {
    const { root, ctx } = await chain();
    writeFileSync(join(root, FIT, 'fit.txt'), '3\n'); // same size, new bytes and mtime
    const text = readFileSync(join(root, FIT, MANIFEST_NAME), 'utf8');
    const [, fit] = await refresh(ctx);
    expect([fit?.failure, fit?.refresh]).toEqual(['tampered_data', { refreshed: false, reason: null }]);
    expect(readFileSync(join(root, FIT, MANIFEST_NAME), 'utf8')).toBe(text);
  });

  it('a schema 1 manifest (Lightcone) for another recipe passes, is not adopted and left byte for byte, and says why', async () => {
    const { root, ctx } = await chain();
    const p = join(root, FIT, MANIFEST_NAME);
    const v2 = readJson(p);
    const v1 = {
      schema_version: 1,
      output_id: 'fit',
      universe_id: 'u1',
      code_version: 'sha256:whatever',
      data_version: v2.data_version,
      input_versions: v2.input_versions,
    };
    writeFileSync(p, JSON.stringify(v1));
    touchAll(join(root, FIT));
    const text = readFileSync(p, 'utf8');
    const [, fit] = await refresh(ctx);
    expect(outcome(fit)).toEqual([
      'u1/fit',
      true,
      {
        refreshed: false,
        reason:
          'schema 1 manifest not adopted: its recipe, container or decisions are not those of the spec now (the output is stale)',
      },
    ]);
    expect(readFileSync(p, 'utf8')).toBe(text);
  });

  it('a listing that differs from the hashed one is never recorded (file changed while hashing)', async () => {
    const { dir, result, text, hashed } = await touchedCleanOutput();
    // The bytes of c.csv change after the listing that was hashed, mtime put back: only the
    // ctime tells, and it is part of the comparison.
    const f = join(dir, 'c.csv');
    const st = statSync(f);
    writeFileSync(f, 'x,y\n9,9\n');
    utimesSync(f, st.atime, st.mtime);
    expect(sameListing(hashed.entries, listFilesSync(dir).entries)).toBe(false);
    const manifestText = readFileSync(join(dir, MANIFEST_NAME), 'utf8');
    expect(await refreshStat(dir, result.manifest, text, hashed)).toEqual({
      refreshed: false,
      reason: 'files changed while verifying',
    });
    expect(readFileSync(join(dir, MANIFEST_NAME), 'utf8')).toBe(manifestText);
    // The guard itself: two listings of an unchanged dir compare equal; an added file does not.
    const now = listFilesSync(dir);
    expect(sameListing(now.entries, listFilesSync(dir).entries)).toBe(true);
    writeFileSync(join(dir, 'extra.txt'), '');
    expect(sameListing(now.entries, listFilesSync(dir).entries)).toBe(false);
  });

  it('a manifest rewritten after verify read it is not overwritten', async () => {
    const { dir, result, text, hashed } = await touchedCleanOutput();
    const p = join(dir, MANIFEST_NAME);
    const other = { ...readJson(p), host: 'someone-else' };
    writeFileSync(p, JSON.stringify(other));
    expect(await refreshStat(dir, result.manifest as Manifest, text, hashed)).toEqual({
      refreshed: false,
      reason: 'manifest changed while verifying',
    });
    expect(readJson(p)).toEqual(other);
  });

  it('a manifest that cannot be written (EACCES, as nobody) is reported per output; verify still passes', async () => {
    const { root, ctx } = await chain();
    touchAll(join(root, CLEAN));
    chmodSync(root, 0o755);
    const text = readFileSync(join(root, CLEAN, MANIFEST_NAME), 'utf8');
    const rs = verifyAsNobody(ctx, { jobs: 1, noCache: true, refresh: true });
    expect(rs.map(outcome)).toEqual([
      ['u1/clean', true, { refreshed: false, reason: 'cannot write the manifest: EACCES (permission denied)' }],
      ['u1/fit', true, { refreshed: false, reason: null }],
    ]);
    expect(readFileSync(join(root, CLEAN, MANIFEST_NAME), 'utf8')).toBe(text);
  });
});
