/** `lc verify` end to end on a copy of examples/line-fit materialised by a real `lc run`. */
import { readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtExample, copyExample, lc, tempDir } from '../helpers/lc.js';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

async function built(): Promise<{ root: string; env: Record<string, string> }> {
  const t = tempDir('lc-verify-cli-');
  cleanup = t.cleanup;
  return builtExample('line-fit', t.dir);
}

interface VerifyDoc {
  schema: number;
  results: { id: string; passed: boolean; failure: string | null; detail: string | null }[];
  summary: Record<string, number>;
}
async function verifyJson(root: string, env: Record<string, string>, args: string[] = []) {
  const r = await lc(['verify', '--json', ...args], { cwd: root, env });
  const doc = JSON.parse(r.stdout) as VerifyDoc;
  return { exitCode: r.exitCode, doc, byId: Object.fromEntries(doc.results.map((x) => [x.id, x])) };
}

describe('lc verify', () => {
  it('nothing materialised exits 0; after a run every output verifies', async () => {
    const t = tempDir('lc-verify-cli-');
    cleanup = t.cleanup;
    const root = copyExample('line-fit', t.dir);
    const env = { LIGHTCONE_SCRATCH: join(t.dir, 'scratch') };
    const empty = await lc(['verify'], { cwd: root, env });
    expect([empty.exitCode, empty.stdout]).toEqual([
      0,
      'Nothing to verify: no output is materialised. 16 not materialised (skipped).',
    ]);
    expect((await lc(['run', '--plain'], { cwd: root, env })).exitCode).toBe(0);
    const ok = await lc(['verify'], { cwd: root, env });
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toContain('ok                baseline/cleaned\n');
    expect(ok.stdout).toMatch(/\nAll 16 outputs verified\. \[hashed .* in [\d.]+s/);
    const { doc } = await verifyJson(root, env);
    expect(doc.schema).toBe(1);
    expect(doc.summary).toMatchObject({ verified: 16, passed: 16, failed: 0, not_materialised: 0 });
    expect(Object.keys(doc.results[0] as object)).toEqual(['id', 'passed', 'failure', 'detail']);
  });

  it('a tampered byte, a deleted manifest, a corrupt manifest and a changed input each fail with their kind; exit 1', async () => {
    const { root, env } = await built();
    const metric = join(root, 'results/baseline/fit/fit.json');
    const st = statSync(metric);
    writeFileSync(
      metric,
      readFileSync(metric, 'utf8').replace(/\d/, (d) => String((Number(d) + 1) % 10)),
    );
    utimesSync(metric, st.atime, st.mtime);
    rmSync(join(root, 'results/robust/summary/.lightcone-manifest.json'));
    writeFileSync(join(root, 'results/raw-median/summary/.lightcone-manifest.json'), 'garbage');
    // new bytes, same size, in the input
    const p = join(root, 'data/points.csv');
    const ps = statSync(p);
    writeFileSync(p, readFileSync(p, 'utf8').replace(/\d/, (d) => String((Number(d) + 1) % 10)));
    utimesSync(p, ps.atime, new Date(ps.mtimeMs + 10_000));
    const { exitCode, byId, doc } = await verifyJson(root, env);
    expect(exitCode).toBe(1);
    expect(byId['baseline/fit']).toMatchObject({ passed: false, failure: 'tampered_data' });
    expect(byId['baseline/fit']?.detail).toMatch(/^recorded 'sha256:[0-9a-f]{64}' != actual 'sha256:[0-9a-f]{64}'$/);
    expect(byId['robust/summary']).toMatchObject({ failure: 'missing_manifest' });
    expect(byId['raw-median/summary']).toMatchObject({ failure: 'unreadable' });
    expect(byId['clipped-ols/cleaned']).toMatchObject({ failure: 'input_changed' });
    expect(byId['clipped-ols/cleaned']?.detail).toMatch(
      /^input 'points' \(data\/points\.csv\): recorded 'mtime-size:\d+-\d+', now 'mtime-size:\d+-\d+'$/,
    );
    expect(byId['clipped-ols/fit']).toMatchObject({ passed: true });
    expect(doc.summary).toMatchObject({ tampered_data: 1, missing_manifest: 1, unreadable: 1, input_changed: 4 });
    const text = await lc(['verify', 'summary'], { cwd: root, env });
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toContain('missing_manifest  robust/summary  no manifest in results/robust/summary');
    expect(text.stdout).toContain('2 integrity failures in 4 outputs.');
  });

  it('an upstream re-run with different bytes breaks the chain of its consumers, naming the link', async () => {
    const { root, env } = await built();
    writeFileSync(join(root, 'data/points.csv'), readFileSync(join(root, 'data/points.csv'), 'utf8') + '99,1\n');
    expect((await lc(['run', '--plain', 'baseline/cleaned'], { cwd: root, env })).exitCode).toBe(0);
    const { exitCode, byId } = await verifyJson(root, env, ['-u', 'baseline']);
    expect(exitCode).toBe(1);
    expect(byId['baseline/cleaned']?.passed).toBe(true);
    expect(byId['baseline/fit']).toMatchObject({ failure: 'broken_chain' });
    expect(byId['baseline/fit']?.detail).toMatch(
      /^upstream baseline\/cleaned \(input 'cleaned'\) data_version drifted: recorded 'sha256:\w+', now 'sha256:\w+'$/,
    );
  });

  it('a second verify of unchanged data comes from the stat cache; --no-cache hashes again', async () => {
    const { root, env } = await built();
    // files written in the last 2 s are never cached (racy timestamps)
    await new Promise((r) => setTimeout(r, 2100));
    await lc(['verify'], { cwd: root, env });
    const second = await lc(['verify'], { cwd: root, env });
    expect(second.stdout).toContain(', 16 unchanged from cache]');
    const forced = await lc(['verify', '--no-cache', '--jobs', '1'], { cwd: root, env });
    expect(forced.exitCode).toBe(0);
    expect(forced.stdout).not.toContain('from cache');
    expect((await lc(['verify', '--jobs', '0'], { cwd: root, env })).exitCode).toBe(2);
  });
});
