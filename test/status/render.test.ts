/** Text and JSON renderers of status and verify, on hand-made results. */
import { describe, expect, it } from 'vitest';
import type { LiveRun } from '../../engine/runner/live-run.js';
import type { TaskState, TaskStatus, StaleReason } from '../../engine/status/types.js';
import type { VerifyResult } from '../../engine/verify/types.js';
import { paint } from '../../src/color.js';
import { statusJson, statusJsonChunks } from '../../src/render/status-json.js';
import { MODIFIED_HINT, renderStatusText } from '../../src/render/status-text.js';
import { verifyJson } from '../../src/render/verify-json.js';
import { renderVerifyText } from '../../src/render/verify-text.js';

const st = (universe: string, output: string, state: TaskState, reasons: StaleReason[] = []): TaskStatus => ({
  id: `${universe}/${output}`,
  universe,
  output,
  state,
  reasons,
  key: 'sha256:k',
  dataVersion: state === 'missing' ? null : 'sha256:d',
  finishedAt: state === 'missing' ? null : new Date(1_000_000).toISOString(),
  durationS: state === 'missing' ? null : 1.5,
  host: null,
});
const plain = paint(false);

describe('status text', () => {
  it('small projects: rows per universe grouped by output, first reason shown', () => {
    const text = renderStatusText(
      [
        st('baseline', 'cleaned', 'ok'),
        st('robust', 'cleaned', 'stale', [
          { kind: 'decisions', subject: 'cut', detail: 'decision cut: none -> clip' },
          { kind: 'script', subject: 'a.sh', detail: 'script a.sh changed' },
        ]),
        st('baseline', 'fit', 'missing'),
        st('robust', 'fit', 'failed', [{ kind: 'failed', detail: 'last attempt failed (exit 2) at T; log: /l' }]),
      ],
      { paint: plain, now: 1_000_000 + 120_000 },
    );
    expect(text).toBe(
      [
        'cleaned',
        '  ok         baseline  2m ago',
        '  stale      robust    decision cut: none -> clip (+1 more)',
        'fit',
        '  missing    baseline',
        '  failed     robust    last attempt failed (exit 2) at T; log: /l',
        '',
        '4 tasks: 1 ok, 1 stale, 1 missing, 1 failed',
        '',
      ].join('\n'),
    );
  });

  it('sweeps: one line per output with counts and the most common reason', () => {
    const ss: TaskStatus[] = [];
    for (let i = 0; i < 200; i++) {
      const u = `u${i}`;
      if (i < 180) ss.push(st(u, 'fit', 'ok'));
      else if (i < 195)
        ss.push(
          st(u, 'fit', 'stale', [{ kind: 'script', subject: 'src/fit.py', detail: 'script src/fit.py changed' }]),
        );
      else ss.push(st(u, 'fit', 'missing'));
      ss.push(
        st(
          u,
          'plot',
          i < 190 ? 'stale' : 'ok',
          i < 190 ? [{ kind: 'upstream', subject: `${u}/fit`, detail: 'x' }] : [],
        ),
      );
    }
    const text = renderStatusText(ss, { paint: plain });
    expect(text).toBe(
      [
        'fit   ok 180  stale 15 (script src/fit.py)  missing 5',
        'plot  ok 10  stale 190 (upstream fit)',
        '',
        '400 tasks: 190 ok, 205 stale, 5 missing',
        '',
      ].join('\n'),
    );
  });

  it('colour adds glyphs and ANSI; no colour has neither', () => {
    const c = renderStatusText([st('u', 'o', 'ok')], { paint: paint(true), now: 1_000_000 });
    expect(c).toContain('\u001b[32m✓ ok');
    const n = renderStatusText([st('u', 'o', 'ok')], { paint: plain, now: 1_000_000 });
    expect(n.includes('\u001b') || n.includes('✓')).toBe(false);
  });

  it('a modified task adds one hint line after the summary (dim with colour, plain without); none otherwise', () => {
    const modified = st('u', 'o', 'modified', [{ kind: 'modified', detail: 'changed: a.txt' }]);
    const n = renderStatusText([modified, st('u', 'p', 'ok')], { paint: plain, now: 1_000_000 });
    expect(n.endsWith(`\n2 tasks: 1 ok, 1 modified\n${MODIFIED_HINT}\n`)).toBe(true);
    expect(MODIFIED_HINT).toContain('lc verify --refresh');
    const c = renderStatusText([modified], { paint: paint(true), now: 1_000_000 });
    expect(c.endsWith(`\u001b[2m${MODIFIED_HINT}\u001b[22m\n`)).toBe(true);
    const stale = st('u', 'o', 'stale', [{ kind: 'upstream', subject: 'u/x', detail: 'upstream u/x is modified' }]);
    expect(renderStatusText([stale], { paint: plain })).not.toContain('hint:');
  });
});

describe('status json', () => {
  it('has exactly the documented keys and a full summary', () => {
    const doc = JSON.parse(
      statusJson([
        st('u', 'o', 'stale', [{ kind: 'recipe', detail: 'recipe changed', subject: 'x' }]),
        st('u', 'p', 'missing'),
      ]),
    );
    expect(doc).toEqual({
      schema: 2,
      scratch: null,
      executor: null,
      run: null,
      tasks: [
        {
          id: 'u/o',
          universe: 'u',
          output: 'o',
          state: 'stale',
          reasons: [{ kind: 'recipe', detail: 'recipe changed' }],
          key: 'sha256:k',
          data_version: 'sha256:d',
          finished_at: new Date(1_000_000).toISOString(),
          duration_s: 1.5,
          live: null,
          notes: [],
        },
        {
          id: 'u/p',
          universe: 'u',
          output: 'p',
          state: 'missing',
          reasons: [],
          key: 'sha256:k',
          data_version: null,
          finished_at: null,
          duration_s: null,
          live: null,
          notes: [],
        },
      ],
      summary: { ok: 0, stale: 1, missing: 1, failed: 0, modified: 0, unreadable: 0, running: 0, queued: 0 },
    });
  });
});

describe('status json text', () => {
  /** What the renderer wrote before it wrote in pieces: one pretty-printed document. */
  const whole = (text: string) => JSON.stringify(JSON.parse(text), null, 2) + '\n';
  const many = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      st(`u${i}`, 'o', i % 3 === 0 ? 'stale' : 'missing', [{ kind: 'recipe', detail: `line one\nline "${i}"` }]),
    );

  it.each([0, 1, 2, 20_000])('is the pretty-printed document, byte for byte, with %i tasks', (n) => {
    const text = statusJson(many(n), { scratch: { base: '/s', source: 'project' } });
    expect(text).toBe(whole(text));
    expect(JSON.parse(text).tasks).toHaveLength(n);
  });

  it('is the pretty-printed document with a live run, notes and recorded values', () => {
    const live: LiveRun = {
      holder: { pid: 1, host: 'h', startedAt: '2026-01-01T00:00:00Z', runId: 'r' },
      command: 'lc run',
      held: true,
      progress: null,
      tasks: new Map([['u1/o', { state: 'running', host: 'node "1"', since: 1_000 }]]),
      unfinished: new Set(['u1/o']),
    };
    const tasks = many(3).map((t, i) => (i === 2 ? { ...t, notes: ['ran on the host,\nnot in env'] } : t));
    const text = statusJson(tasks, { live });
    expect(text).toBe(whole(text));
    expect(JSON.parse(text).tasks[1].live).toEqual({
      state: 'running',
      host: 'node "1"',
      since: '1970-01-01T00:00:01.000Z',
    });
  });

  it('comes in pieces of about a megabyte on a big status, the summary in the last', () => {
    const pieces = [...statusJsonChunks(many(20_000))];
    expect(pieces.length).toBeGreaterThan(3);
    for (const p of pieces.slice(0, -1)) expect(p.length).toBeLessThan(1.1 * 2 ** 20);
    expect(pieces.at(-1)).toContain('"summary"');
    expect(JSON.parse(pieces.join('')).summary).toMatchObject({ stale: 6667, missing: 13_333 });
  });
});

const vr = (
  id: string,
  status: VerifyResult['status'],
  failure: VerifyResult['failure'] = null,
  detail: string | null = null,
): VerifyResult => ({
  id,
  universe: id.split('/')[0] as string,
  output: id.split('/')[1] as string,
  outdir: `results/${id}`,
  status,
  passed: status === 'passed',
  failure,
  detail,
  problems: failure ? [{ failure, detail: detail ?? '' }] : [],
  actual: null,
  files: 1,
  bytes: 10,
  cached: false,
});

describe('verify renderers', () => {
  it('text lists failures and passes, then a closing line', () => {
    const text = renderVerifyText(
      [
        vr('u/a', 'passed'),
        vr('u/b', 'failed', 'tampered_data', "recorded 'x' != actual 'y'"),
        vr('u/c', 'not_materialised'),
      ],
      plain,
    );
    expect(text).toBe(
      [
        'ok                u/a',
        "tampered_data     u/b  recorded 'x' != actual 'y'",
        '',
        '1 integrity failure in 2 outputs. 1 not materialised (skipped).',
        '',
      ].join('\n'),
    );
    expect(renderVerifyText([vr('u/a', 'passed'), vr('u/b', 'passed')], plain)).toBe(
      'ok                u/a\nok                u/b\n\nAll 2 outputs verified.\n',
    );
    expect(renderVerifyText([vr('u/c', 'not_materialised')], plain)).toBe(
      'Nothing to verify: no output is materialised. 1 not materialised (skipped).\n',
    );
  });

  it('json has the documented result keys and counts per failure kind', () => {
    const doc = JSON.parse(
      verifyJson([vr('u/a', 'passed'), vr('u/b', 'failed', 'broken_chain', 'd'), vr('u/c', 'not_materialised')]),
    );
    expect(doc).toEqual({
      schema: 1,
      run: null,
      results: [
        { id: 'u/a', passed: true, failure: null, detail: null },
        { id: 'u/b', passed: false, failure: 'broken_chain', detail: 'd' },
      ],
      summary: {
        verified: 2,
        passed: 1,
        failed: 1,
        not_materialised: 1,
        tampered_data: 0,
        missing_manifest: 0,
        unreadable: 0,
        broken_chain: 1,
        input_changed: 0,
        in_run: 0,
        on_host: 0,
      },
    });
  });
});
