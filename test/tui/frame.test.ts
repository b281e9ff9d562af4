import { describe, expect, test } from 'vitest';
import { formatBytesCompact as fmtBytes, formatDuration as fmtDuration } from '../../engine/units.js';
import { bar, fit, sanitizeLine, sparkline, truncateMiddle, width, wrapText } from '../../src/tui/model/format.js';
import { buildFrame, lineText, windowRows, type FrameModel, type Line } from '../../src/tui/model/frame/index.js';
import { exitMessage } from '../../src/tui/model/exit.js';
import { computeLayout } from '../../src/tui/model/layout.js';
import { reduce } from '../../src/tui/model/reducer.js';
import type { ViewState } from '../../src/tui/model/types.js';
import {
  failedScene,
  failuresScene,
  helpScene,
  LINE_FIT,
  LOCAL_NODE,
  mixedScene,
  resultsScene,
  NOW,
  scene,
  status,
  sweepScene,
} from './fixtures.js';
import { interpretKey } from '../../src/tui/model/keys.js';

/** Every line of a frame, in screen order (split bodies interleaved row by row). */
function frameLines(f: FrameModel): Line[] {
  const col = (
    panes: FrameModel['body'] extends infer B ? (B extends { kind: 'stack'; panes: infer P } ? P : never) : never,
  ): Line[] => panes.flatMap((p) => [p.title, ...p.lines]);
  const body =
    f.body.kind === 'stack'
      ? col(f.body.panes)
      : (() => {
          const l = col(f.body.left);
          const r = col(f.body.right);
          return l.map((line, i) => [...line, { text: '|' }, ...(r[i] ?? [])]);
        })();
  return [...f.header, ...body, f.bottom];
}

describe('text helpers', () => {
  test('middle truncation keeps both ends', () => {
    expect(truncateMiddle('classification.accuracy_by_seed', 15)).toBe('classif…by_seed');
    expect(truncateMiddle('short', 10)).toBe('short');
    expect(truncateMiddle('abcdef', 1)).toBe('…');
  });
  test('fit pads and truncates to an exact width', () => {
    expect(fit('abc', 5)).toBe('abc  ');
    expect(fit('abc', 5, { align: 'right' })).toBe('  abc');
    expect(fit('abcdefgh', 5)).toBe('abcd…');
  });
  test('bars, durations, bytes', () => {
    expect(bar(0.5, 8, '#', '.')).toBe('####....');
    expect(bar(2, 4, '#', '.')).toBe('####');
    expect(fmtDuration(0.42)).toBe('0.4s');
    expect(fmtDuration(185)).toBe('3m05s');
    expect(fmtDuration(7440)).toBe('2h04m');
    expect(fmtBytes(3.1 * 1024 ** 3)).toBe('3.1G');
  });
  test('widths are terminal cells: wide CJK and emoji take two, combining marks none', () => {
    expect(width('abc')).toBe(3);
    expect(width('数据分析')).toBe(8);
    expect(width('e\u0301')).toBe(1);
    expect(width('ok ✅')).toBe(5);
    expect(fit('数据分析结果', 8)).toBe('数据分… ');
    expect(width(fit('数据分析结果', 7))).toBe(7);
    expect(truncateMiddle('数据分析结果表', 9)).toBe('数据…果表');
  });
  test('a log of wide characters stays inside the screen in the log view', () => {
    const cols = 80;
    const cjk = '数'.repeat(52);
    let s = failedScene({ cols, rows: 24 });
    s = reduce(s, {
      type: 'log',
      log: {
        taskId: 'raw-median/fit',
        path: '/tmp/x.log',
        lines: [cjk, `${cjk} tail`, 'plain'],
        truncatedLines: 0,
        scroll: null,
      },
    });
    s = reduce(s, { type: 'overlay', overlay: { kind: 'log' } });
    const lines = frameLines(buildFrame(s, { ascii: false }));
    for (const l of lines) expect(width(lineText(l)), lineText(l)).toBeLessThanOrEqual(cols);
    expect(lineText(lines[0] as Line)).toMatch(/lc /);
  });
  test('the header counts running and queued tasks from the rows, and says a finished run in the run’s words', () => {
    const s = sweepScene({ cols: 160, rows: 40 });
    let running = 0;
    let queued = 0;
    for (const t of s.tasks.values()) {
      if (t.live === 'running') running++;
      if (t.live === 'queued') queued++;
    }
    const header = lineText(buildFrame(s, { ascii: false }).header[1] as Line);
    expect(header).toContain(`│ ${running} running │`);
    expect(header).toContain(`│ ${queued} queued`);
    const done = lineText(buildFrame(failedScene({ cols: 160, rows: 40 }), { ascii: false }).header[1] as Line);
    expect(done).toMatch(/finished in 2\.1s: 0 ok │ 1 failed │ 1 blocked/);
  });
  test('e groups failures by cause: the biggest first, one line each with where; enter opens a representative log', () => {
    let s = failuresScene({ cols: 100, rows: 24 });
    const open = interpretKey(s, { input: 'e' });
    for (const a of open.actions) s = reduce(s, a);
    const text = frameLines(buildFrame(s, { ascii: false }))
      .map(lineText)
      .join('\n');
    expect(text).toContain('FAILURES  4 failed in 2 causes');
    expect(text).toMatch(/› ✗ 3 tasks: median: not enough points \(4 < 5\)/);
    expect(text).toContain('fit in 3 universes: baseline, raw-median, robust');
    expect(text).toMatch(/ {2}✗ 1 task: awk: division by zero/);
    expect(interpretKey(s, { input: '', enter: true }).command).toEqual({ kind: 'open_log', taskId: 'baseline/fit' });
    const down = interpretKey(s, { input: 'j' });
    for (const a of down.actions) s = reduce(s, a);
    expect(interpretKey(s, { input: '', enter: true }).command).toEqual({
      kind: 'open_log',
      taskId: 'clipped-ols/cleaned',
    });
    expect(interpretKey(mixedScene({ cols: 100, rows: 24 }), { input: 'e' }).actions).toMatchObject([
      { type: 'message', text: 'no failed task in the shown universes' },
    ]);
  });
  test('the ETA comes from past durations of the outputs still to run, and says so', () => {
    const ok = (id: string, durationS: number) =>
      status(id, 'ok', { durationS, finishedAt: '2026-01-15T11:00:00Z', dataVersion: 'sha256:d' });
    const s = scene(
      [
        { type: 'project', shape: LINE_FIT },
        {
          type: 'status',
          statuses: [
            ok('baseline/fit', 10),
            ok('clipped-ols/fit', 20),
            status('raw-median/fit', 'missing'),
            status('robust/fit', 'missing'),
          ],
        },
        {
          type: 'run_events',
          events: [
            {
              type: 'plan_ready',
              t: NOW - 5000,
              runId: 'r4',
              executor: 'local',
              dryRun: false,
              upToDate: 2,
              tasks: [
                { id: 'raw-median/fit', reasons: [] },
                { id: 'robust/fit', reasons: [] },
              ],
            },
            {
              type: 'task_started',
              t: NOW - 5000,
              id: 'raw-median/fit',
              attempt: 1,
              host: 'h',
              executor: 'local',
              resources: { cpus: 1, gpus: 0 },
              logPath: '/tmp/x.log',
            },
          ],
        },
      ],
      { cols: 160, rows: 40 },
    );
    // median 15 s: 10 s left of the running one, 15 s of the queued one, one at a time
    expect(lineText(buildFrame(s, { ascii: false }).header[1] as Line)).toContain('ETA 25s from 2 past runs of fit');
  });
  test('m maps outputs x universes: stuck universes first on s, moves with the cursor, enter opens the cell’s log', () => {
    let s = failuresScene({ cols: 100, rows: 24 });
    const keys = (...ks: Parameters<typeof interpretKey>[1][]) => {
      for (const k of ks) for (const a of interpretKey(s, k).actions) s = reduce(s, a);
    };
    keys({ input: 'm' });
    let text = frameLines(buildFrame(s, { ascii: false })).map(lineText);
    expect(text.join('\n')).toContain('MAP  4 outputs × 4 universes │ by name');
    // by name: baseline, clipped-ols, raw-median, robust; fit failed in all but clipped-ols (stale)
    // stuck first: clipped-ols (its cleaned failed: nothing ok), then the three whose fit
    // failed, fewest ok outputs first
    expect(text.find((l) => /^ fit /.test(l))?.trim()).toBe('fit       ✗◐✗✗');
    keys({ input: 's' }, { input: '', down: true }, { input: '', right: true });
    text = frameLines(buildFrame(s, { ascii: false })).map(lineText);
    expect(text.join('\n')).toContain('stuck first');
    expect(text.find((l) => /^›fit /.test(l))?.trim()).toBe('›fit       ◐✗✗✗');
    expect(text.at(-2)).toMatch(/^ raw-median\/fit \(2 of 4\): failed │ median: not enough points \(3 < 5\)/);
    expect(interpretKey(s, { input: '', enter: true }).command).toEqual({ kind: 'open_log', taskId: 'raw-median/fit' });
  });
  test('WORKERS draws each node’s CPU and memory of the last minutes as sparklines', () => {
    expect(sparkline([0, 50, 100], 3, ['a', 'b', 'c'])).toBe('abc');
    expect(sparkline([0, 0, 100, 100], 2, ['a', 'b', 'c'])).toBe('ac');
    expect(sparkline([100], 8, ['a', 'b', 'c'])).toBe('c');
    let s = mixedScene({ cols: 120, rows: 40 });
    for (let i = 0; i <= 20; i++) s = reduce(s, { type: 'utilisation', nodes: [{ ...LOCAL_NODE, cpuPercent: i * 5 }] });
    const text = frameLines(buildFrame(s, { ascii: false }))
      .map(lineText)
      .join('\n');
    // the scene's sample, then 21 from 0 to 100 %, in 6 cells (two-line rows); memory steady
    expect(text).toContain('cpu ▂▂▄▅▆▇ 100% mem ▄▄▄▄▄▄');
    expect(s.workerHistory.get(LOCAL_NODE.host)?.cpu).toHaveLength(22);
  });
  test('a spec that does not load is said in full, wrapped, above the rows, until it loads again', () => {
    expect(wrapText('aaa bbb ccc', 7)).toEqual(['aaa bbb', 'ccc']);
    expect(wrapText('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    const problem =
      'astra.yaml:14:7 UNKNOWN_INPUT output `fit` lists input `cleand`, which no output, input or sub-analysis declares; did you mean `cleaned`?';
    let s = reduce(mixedScene({ cols: 80, rows: 24 }), { type: 'spec_problem', lines: [problem] });
    const text = frameLines(buildFrame(s, { ascii: false })).map(lineText);
    const at = text.findIndex((l) => l.includes('the spec does not load'));
    expect(at).toBeGreaterThan(0);
    const said = text
      .slice(at + 1, at + 4)
      .map((l) => l.replace(/\|.*$/, '').trim())
      .join(' ');
    expect(said).toContain(problem);
    s = reduce(s, { type: 'spec_problem', lines: null });
    expect(
      frameLines(buildFrame(s, { ascii: false }))
        .map(lineText)
        .join('\n'),
    ).not.toContain('the spec does not load');
  });
  test('with a / filter and no output selected, DETAILS says whose tasks it lists and that r runs them', () => {
    let s = reduce(mixedScene({ cols: 120, rows: 40 }), { type: 'select_output', qid: null });
    s = reduce(reduce(s, { type: 'filter_begin' }), { type: 'filter_text', text: 'fit' });
    const text = frameLines(buildFrame(s, { ascii: false }))
      .map(lineText)
      .join('\n');
    expect(text).toMatch(/DETAILS {2}outputs matching "fit" │ \d+ tasks? need work │ r runs them/);
  });
  test('c opens the results of a selected metric output; tab shows its next metric; the cursor names its universe', () => {
    const s0 = mixedScene({ cols: 120, rows: 40 });
    expect(interpretKey(s0, { input: 'c' })).toMatchObject({ command: { kind: 'open_results', output: 'fit' } });
    const notMetric = reduce(s0, { type: 'select_output', qid: 'cleaned' });
    expect(interpretKey(notMetric, { input: 'c' }).actions).toMatchObject([
      { type: 'message', text: 'cleaned is of type data: only metric outputs have values to compare' },
    ]);
    let s = resultsScene({ cols: 120, rows: 40 });
    let text = frameLines(buildFrame(s, { ascii: false })).map(lineText);
    // sorted: baseline -0.0973, raw-median 1.5 (stale), robust 2, clipped-ols 2.0047
    expect(text.find((l) => l.startsWith('estimator: ols'))?.trimEnd()).toBe('estimator: ols    │●   ·   ·   ●');
    expect(text.at(-2)).toMatch(
      /^ raw-median \(2 of 4\): slope 1\.5 stale \(not current\) │ sha256:raw-median00 made 1h00m ago on node01/,
    );
    for (const a of interpretKey(s, { input: '', tab: true }).actions) s = reduce(s, a);
    text = frameLines(buildFrame(s, { ascii: false })).map(lineText);
    expect(text.join('\n')).toContain('RESULTS  fit │ n (tab: next of 2)');
  });
  test('log lines lose escapes, control characters and carriage-return progress', () => {
    expect(sanitizeLine('\u001b[31mred\u001b[0m\tx')).toBe('red  x');
    expect(sanitizeLine('10%\r50%\r100%\r')).toBe('100%');
  });
  test('windows keep the cursor visible and reserve a +N more line', () => {
    expect(windowRows(5, 0, 10)).toEqual({ start: 0, count: 5, more: 0 });
    const w = windowRows(100, 99, 10);
    expect(w.start + w.count).toBe(100);
    expect(w.count).toBe(9);
    expect(w.more).toBe(91);
  });
  test('items of two lines: whole items only, the +N more line under them, at least one item', () => {
    expect(windowRows(3, 0, 6, 2)).toEqual({ start: 0, count: 3, more: 0 });
    expect(windowRows(6, 5, 9, 2)).toEqual({ start: 2, count: 4, more: 2 });
    expect(windowRows(6, 0, 2, 2)).toEqual({ start: 0, count: 1, more: 5 });
  });
});

describe('frames fit any terminal', () => {
  const scenes: [string, (s: { cols: number; rows: number }) => ViewState][] = [
    ['mixed', mixedScene],
    ['sweep', sweepScene],
    ['failed', failedScene],
    ['help', helpScene],
  ];
  const sizes: [number, number][] = [];
  for (const cols of [40, 60, 80, 100, 109, 110, 140, 200])
    for (const rows of [8, 12, 16, 24, 30, 40, 60]) sizes.push([cols, rows]);

  test.each(scenes)('%s: never taller than rows-1, every line exactly cols wide', (_name, make) => {
    for (const [cols, rows] of sizes) {
      for (const ascii of [false, true]) {
        const f = buildFrame(make({ cols, rows }), { ascii });
        const lines = frameLines(f);
        expect(lines.length, `${cols}x${rows}`).toBe(Math.max(5, rows - 1));
        for (const l of lines) expect(Array.from(lineText(l)).length, `${cols}x${rows}: ${lineText(l)}`).toBe(cols);
        if (ascii) for (const l of lines) expect(lineText(l)).toMatch(/^[\x20-\x7e]*$/);
      }
    }
  });

  test('resizing re-lays out from the same state', () => {
    const s = sweepScene({ cols: 80, rows: 24 });
    const wide = buildFrame(reduce(s, { type: 'resize', cols: 120, rows: 40 }), { ascii: false });
    expect(wide.body.kind).toBe('split');
    expect(buildFrame(s, { ascii: false }).body.kind).toBe('stack');
  });

  test('long sweeps collapse into +N more with a summary of what is hidden', () => {
    const f = buildFrame(sweepScene({ cols: 80, rows: 24 }), { ascii: false });
    const text = frameLines(f).map(lineText).join('\n');
    expect(text).toMatch(/\+\d+ more: \d+ queued, 150 ok/);
  });
});

describe('layout', () => {
  test('stacked panes share the height; the log pane disappears before outputs and details get too small', () => {
    const l = computeLayout(80, 24, { outputs: 4, details: 4, workers: 1, log: 10 });
    expect(l.mode).toBe('stack');
    const used = 2 + 1 + [l.outputs, l.details, l.workers, l.log].reduce((a, p) => a + (p.body ? p.body + 1 : 0), 0);
    expect(used).toBe(23);
    const small = computeLayout(80, 14, { outputs: 4, details: 4, workers: 1, log: 10 });
    expect(small.log.body).toBe(0);
  });
});

describe('exit message and attached runs', () => {
  test('quitting says what keeps running and how to stop it; an external scheduler is left alone', () => {
    const base = mixedScene({ cols: 80, rows: 24 });
    expect(exitMessage(base)).toBe('');
    const session = reduce(base, {
      type: 'scheduler',
      scheduler: {
        state: 'running',
        address: 'tls://127.0.0.1:4000',
        workers: 1,
        external: false,
        idleDeadline: base.now + 600_000,
      },
    });
    expect(exitMessage(session)).toMatch(
      /session scheduler at tls:\/\/127\.0\.0\.1:4000 is still running \(it stops itself after 10m00s idle\); stop it now with: lc scheduler stop/,
    );
    const ext = reduce(base, {
      type: 'scheduler',
      scheduler: { state: 'running', address: 'tcp://h:1', workers: 2, external: true },
    });
    expect(exitMessage(ext)).toMatch(/external scheduler at tcp:\/\/h:1 was left alone/);
    const watching = reduce(base, { type: 'attach', holder: { pid: 7, host: 'n1', startedAt: '' } });
    expect(exitMessage(watching)).toMatch(/lc run \(pid 7 on n1\) is still running/);
  });

  test("the workers pane shows an attached run's tasks on their node from its events", () => {
    let s = reduce(mixedScene({ cols: 100, rows: 30 }), {
      type: 'attach',
      holder: { pid: 7, host: 'node01', startedAt: '' },
    });
    s = reduce(s, {
      type: 'run_events',
      events: [
        {
          type: 'plan_ready',
          t: s.now,
          runId: 'r',
          executor: 'local',
          dryRun: false,
          upToDate: 0,
          tasks: [{ id: 'raw-median/fit', reasons: [] }],
        },
        {
          type: 'task_started',
          t: s.now,
          id: 'raw-median/fit',
          attempt: 1,
          host: 'node01',
          executor: 'local',
          resources: { cpus: 1, gpus: 0 },
          logPath: '/l',
        },
      ],
    });
    const text = frameLines(buildFrame(s, { ascii: false }))
      .map(lineText)
      .join('\n');
    expect(text).toMatch(/node01 .*1 running: raw-median\/fit/);
  });

  test('before the plan, the header says which image is being built, for how long, and its last line', () => {
    let s = reduce(mixedScene({ cols: 120, rows: 30 }), { type: 'run_starting' });
    const header = () => lineText(buildFrame(s, { ascii: false }).header[1] ?? []);
    expect(header()).toMatch(/starting run/);
    s = reduce(s, {
      type: 'run_events',
      events: [
        {
          type: 'image_preparing',
          t: s.now - 12_000,
          container: 'env/Containerfile',
          runtime: 'podman',
          work: 'build',
          image: 'localhost/lc-env-0123456789ab',
        },
        { type: 'image_output', t: s.now, container: 'env/Containerfile', line: 'STEP 2/3: COPY src/ /app/' },
      ],
    });
    expect(header()).toMatch(/building image env\/Containerfile 12s . STEP 2\/3: COPY src\/ \/app\//);
    s = reduce(s, {
      type: 'run_events',
      events: [
        {
          type: 'image_ready',
          t: s.now,
          container: 'env/Containerfile',
          image: 'localhost/lc-env-0123456789ab',
          imageId: 'sha256:ab',
          action: 'built',
          durationS: 12,
        },
      ],
    });
    expect(header()).toMatch(/starting run/);
  });

  test('a queue’s session: WORKERS says what its pilot jobs do, and why one waits', () => {
    const pilots = {
      queue: 'cpu',
      maxJobs: 4,
      jobs: [
        { id: '12', state: 'RUNNING', nodes: 'nid001', timeLeft: '1:58:00' },
        { id: '13', state: 'PENDING', reason: 'Priority' },
      ],
    };
    const s = reduce(mixedScene({ cols: 120, rows: 40 }), {
      type: 'scheduler',
      scheduler: { state: 'running', address: 'tls://10.0.0.1:4000', workers: 1, external: false, pilots },
    });
    const text = frameLines(buildFrame(s, { ascii: false }))
      .map(lineText)
      .join('\n');
    expect(text).toMatch(/WORKERS {2}pilots 1 pending \(Priority\)/);
    const none = reduce(
      { ...s, workers: [] },
      {
        type: 'scheduler',
        scheduler: {
          state: 'running',
          address: 'tls://10.0.0.1:4000',
          workers: 0,
          external: false,
          pilots: { ...pilots, jobs: [pilots.jobs[1] as (typeof pilots.jobs)[number]] },
        },
      },
    );
    expect(
      frameLines(buildFrame(none, { ascii: false }))
        .map(lineText)
        .join('\n'),
    ).toMatch(/pilot job 13 pending \(Priority\)/);
  });
});
