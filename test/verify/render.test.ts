/** The verify renderers with --refresh, on hand-made results (the plain cases are in test/status/render.test.ts). */
import { describe, expect, it } from 'vitest';
import type { RefreshOutcome, VerifyResult } from '../../engine/verify/types.js';
import { paint } from '../../src/color.js';
import { verifyJson } from '../../src/render/verify-json.js';
import { renderVerifyText } from '../../src/render/verify-text.js';

const plain = paint(false);

const vr = (id: string, refresh: RefreshOutcome, failure: VerifyResult['failure'] = null): VerifyResult => ({
  id,
  universe: id.split('/')[0] as string,
  output: id.split('/')[1] as string,
  outdir: `results/${id}`,
  status: failure ? 'failed' : 'passed',
  passed: failure === null,
  failure,
  detail: failure ? 'bad' : null,
  problems: failure ? [{ failure, detail: 'bad' }] : [],
  actual: null,
  files: 1,
  bytes: 10,
  cached: false,
  refresh,
});

const NOTHING: RefreshOutcome = { refreshed: false, reason: null };
const results = [
  vr('u/a', { refreshed: true }),
  vr('u/b', { refreshed: true }),
  vr('u/c', NOTHING),
  vr('u/d', { refreshed: false, reason: 'cannot write the manifest: EACCES (permission denied)' }),
  vr('u/e', NOTHING, 'tampered_data'),
];

describe('verify renderers with --refresh', () => {
  it('text: lists outputs that could not be refreshed with why, then counts the refreshed ones', () => {
    expect(renderVerifyText(results, plain, undefined, { refresh: true })).toBe(
      [
        'ok                u/a',
        'ok                u/b',
        'ok                u/c',
        'ok                u/d',
        'not refreshed     u/d  cannot write the manifest: EACCES (permission denied)',
        'tampered_data     u/e  bad',
        '',
        '1 integrity failure in 5 outputs.',
        'Refreshed 2 outputs: recorded the new timestamps of files whose bytes match their manifest. 1 could not be refreshed (listed above). Outputs that failed are never refreshed.',
        '',
      ].join('\n'),
    );
    expect(renderVerifyText([vr('u/c', NOTHING)], plain, undefined, { refresh: true })).toBe(
      'ok                u/c\n\nThe output verified.\nNothing to refresh: every output that verified already has its timestamps recorded.\n',
    );
    // Adopted Lightcone manifests: what was recorded and what that trusts.
    const adopted = [
      vr('u/f', { refreshed: true, adopted: { scripts: ['scripts/fit.sh'] } }),
      vr('u/g', { refreshed: true }),
    ];
    expect(renderVerifyText(adopted, plain, undefined, { refresh: true }).split('\n').at(-2)).toBe(
      'Refreshed 1 output: recorded the new timestamps of files whose bytes match their manifest. Adopted 1 Lightcone manifest (schema 1 -> 2): their bytes, chain and inputs verified and recorded the scripts their recipes run as they are now (scripts/fit.sh); lc trusts, without proof, that these scripts produced the outputs (Lightcone did not record them).',
    );
    // Without --refresh nothing is said about it.
    expect(renderVerifyText([vr('u/c', NOTHING)], plain)).toBe('ok                u/c\n\nThe output verified.\n');
  });

  it('json: refreshed per result and in the summary; the reason in detail of a passing output', () => {
    const doc = JSON.parse(verifyJson(results, { refresh: true })) as {
      results: Record<string, unknown>[];
      summary: Record<string, number>;
    };
    expect(doc.results).toEqual([
      { id: 'u/a', passed: true, failure: null, detail: null, refreshed: true, adopted: false },
      { id: 'u/b', passed: true, failure: null, detail: null, refreshed: true, adopted: false },
      { id: 'u/c', passed: true, failure: null, detail: null, refreshed: false, adopted: false },
      {
        id: 'u/d',
        passed: true,
        failure: null,
        detail: 'cannot write the manifest: EACCES (permission denied)',
        refreshed: false,
        adopted: false,
      },
      { id: 'u/e', passed: false, failure: 'tampered_data', detail: 'bad', refreshed: false, adopted: false },
    ]);
    expect(doc.summary).toMatchObject({
      verified: 5,
      passed: 4,
      failed: 1,
      tampered_data: 1,
      refreshed: 2,
      adopted: 0,
    });
    const plainDoc = JSON.parse(verifyJson(results)) as { results: object[]; summary: object };
    expect(Object.keys(plainDoc.results[0] as object)).toEqual(['id', 'passed', 'failure', 'detail']);
    expect('refreshed' in plainDoc.summary).toBe(false);
  });
});
