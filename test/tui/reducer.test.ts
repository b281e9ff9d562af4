import { describe, expect, test } from 'vitest';
import type { RunEvent } from '../../engine/events.js';
import type { MonitorAction } from '../../src/tui/model/actions.js';
import { logViewportRows } from '../../src/tui/model/layout.js';
import { initialState, reduce, reduceAll } from '../../src/tui/model/reducer.js';
import { detailRows, logTaskFor } from '../../src/tui/model/selectors.js';
import { TaskTable } from '../../src/tui/model/task-table.js';
import type { ViewState } from '../../src/tui/model/types.js';
import { LINE_FIT, MIXED_STATUS, NOW, mixedScene, status } from './fixtures.js';

const SIZE = { cols: 80, rows: 24 };
const res = { cpus: 1, gpus: 0 };

/** Reduce and check the input state is unchanged (the reducer must copy, never edit). */
function pure(s: ViewState, a: MonitorAction): ViewState {
  const before = structuredClone(s);
  const next = reduce(s, a);
  expect(s).toEqual(before);
  return next;
}

const started = (id: string, t = NOW): RunEvent => ({ type: 'task_started', t, id, attempt: 1, host: 'node01', executor: 'local', resources: res, logPath: `/logs/${id}.log` });
const plan = (ids: string[]): RunEvent => ({ type: 'plan_ready', t: NOW, runId: 'r', executor: 'local', dryRun: false, upToDate: 0, tasks: ids.map((id) => ({ id, reasons: [] })) });

describe('status snapshots', () => {
  test('counts per output across universes; modified and unreadable count as stale', () => {
    const s = mixedScene(SIZE);
    expect(s.counts.get('cleaned')).toMatchObject({ total: 4, ok: 4 });
    expect(s.counts.get('fit')).toMatchObject({ total: 4, ok: 2, stale: 2 });
    expect(s.counts.get('residuals')).toMatchObject({ total: 4, ok: 1, stale: 2, missing: 1 });
    expect(s.statusLoaded).toBe(true);
  });

  test('a universe filter restricts the counts and the details rows', () => {
    const s = reduceAll(initialState({ ...SIZE, now: NOW, universeFilter: ['baseline', 'nope'] }), [
      { type: 'project', shape: LINE_FIT },
      { type: 'status', statuses: MIXED_STATUS },
      { type: 'select_output', qid: 'fit' },
    ]);
    expect(s.universeFilter).toEqual(['baseline']);
    expect(s.counts.get('fit')).toMatchObject({ total: 1, ok: 1, stale: 0 });
    expect(detailRows(s).map((t) => t.id)).toEqual(['baseline/fit']);
  });
});

describe('run events', () => {
  test('plan -> running -> ok, with per-output progress, never mutating the previous state', () => {
    let s = mixedScene(SIZE);
    s = pure(s, { type: 'run_events', events: [plan(['clipped-ols/fit', 'raw-median/fit']), started('clipped-ols/fit')] });
    expect(s.run.phase).toBe('running');
    expect(s.counts.get('fit')).toMatchObject({ ok: 2, stale: 0, running: 1, queued: 1 });
    expect(s.runProgress.get('fit')).toEqual({ planned: 2, done: 0 });
    s = pure(s, {
      type: 'run_events',
      events: [{ type: 'task_succeeded', t: NOW + 1000, id: 'clipped-ols/fit', durationS: 1, dataVersion: 'sha256:a', warnings: [] }],
    });
    expect(s.tasks.get('clipped-ols/fit')).toMatchObject({ state: 'ok', durationS: 1, reasons: [] });
    expect(s.tasks.get('clipped-ols/fit')?.live).toBeUndefined();
    expect(s.counts.get('fit')).toMatchObject({ ok: 3, running: 0, queued: 1 });
    expect(s.runProgress.get('fit')).toEqual({ planned: 2, done: 1 });
  });

  test('a failure keeps its tail; a cancelled task returns to its status; run_finished clears queued tasks', () => {
    let s = mixedScene(SIZE);
    s = reduce(s, {
      type: 'run_events',
      events: [
        plan(['clipped-ols/fit', 'raw-median/fit', 'raw-median/residuals']),
        started('clipped-ols/fit'),
        started('raw-median/fit'),
        { type: 'task_failed', t: NOW, id: 'clipped-ols/fit', durationS: 2, exitCode: 3, signal: null, reason: 'exit', logPath: '/l/1.log', tail: ['boom'] },
        { type: 'task_failed', t: NOW, id: 'raw-median/fit', durationS: 2, exitCode: null, signal: 'SIGTERM', reason: 'cancelled', logPath: '/l/2.log', tail: [] },
        { type: 'run_cancelling', t: NOW, reason: 'user' },
      ],
    });
    expect(s.run.phase).toBe('cancelling');
    expect(s.tasks.get('clipped-ols/fit')).toMatchObject({ state: 'failed', failure: { exitCode: 3, tail: ['boom'], logPath: '/l/1.log' } });
    expect(s.tasks.get('raw-median/fit')).toMatchObject({ state: 'stale' });
    expect(s.tasks.get('raw-median/fit')?.live).toBeUndefined();
    expect(s.tasks.get('raw-median/residuals')?.live).toBe('queued');
    s = reduce(s, {
      type: 'run_events',
      events: [{ type: 'run_finished', t: NOW, runId: 'r', succeeded: 0, failed: 1, blocked: 0, cancelled: 1, skipped: 1, wallS: 3, cpuS: 1 }],
    });
    expect(s.run.phase).toBe('finished');
    expect(s.tasks.get('raw-median/residuals')?.live).toBeUndefined();
    expect(s.counts.get('residuals')).toMatchObject({ queued: 0, running: 0, missing: 1 });
    expect(s.counts.get('fit')).toMatchObject({ failed: 1, stale: 1, ok: 2 });
  });

  test('a status snapshot during a run keeps live markers; after the run it clears them', () => {
    let s = reduce(mixedScene(SIZE), { type: 'run_events', events: [plan(['clipped-ols/fit']), started('clipped-ols/fit')] });
    s = reduce(s, { type: 'status', statuses: [status('clipped-ols/fit', 'stale')] });
    expect(s.tasks.get('clipped-ols/fit')?.live).toBe('running');
    s = reduce(s, { type: 'run_events', events: [{ type: 'task_blocked', t: NOW, id: 'clipped-ols/summary', blockedBy: 'clipped-ols/fit' }] });
    s = reduce(s, { type: 'run_events', events: [{ type: 'run_finished', t: NOW, runId: 'r', succeeded: 0, failed: 0, blocked: 1, cancelled: 0, skipped: 0, wallS: 1, cpuS: 0 }] });
    expect(s.tasks.get('clipped-ols/summary')?.live).toBe('blocked');
    s = reduce(s, { type: 'status', statuses: [status('clipped-ols/summary', 'missing')] });
    expect(s.tasks.get('clipped-ols/summary')?.live).toBeUndefined();
  });

  test('task output events do not touch the view (log panes re-read the file)', () => {
    const s = mixedScene(SIZE);
    const next = reduce(s, { type: 'run_events', events: [{ type: 'task_output', t: NOW, id: 'baseline/fit', stream: 'stdout', line: 'x' }] });
    expect(next.tasks).toEqual(s.tasks);
    expect(next.log).toBe(s.log);
  });
});

describe('navigation', () => {
  const base = (): ViewState => reduceAll(initialState({ ...SIZE, now: NOW }), [{ type: 'project', shape: LINE_FIT }, { type: 'status', statuses: MIXED_STATUS }]);

  test('outputs: nothing selected at first, down selects the first, moves clamp at the ends', () => {
    let s = base();
    expect(s.ui.selectedOutput).toBeNull();
    s = reduce(s, { type: 'move', delta: 1 });
    expect(s.ui.selectedOutput).toBe('cleaned');
    s = reduce(s, { type: 'move', delta: 10 });
    expect(s.ui.selectedOutput).toBe('summary');
    s = reduce(s, { type: 'move_to', where: 'first' });
    expect(s.ui.selectedOutput).toBe('cleaned');
  });

  test('details rows: most urgent first; enter drills in and then expands', () => {
    let s = reduce(base(), { type: 'select_output', qid: 'residuals' });
    expect(detailRows(s).map((t) => t.universe)).toEqual(['robust', 'clipped-ols', 'raw-median', 'baseline']);
    s = reduce(s, { type: 'toggle_expand' });
    expect(s.ui.focus).toBe('details');
    s = reduce(s, { type: 'move', delta: 1 });
    expect(s.ui.selectedTask).toBe('clipped-ols/residuals');
    s = reduce(s, { type: 'toggle_expand' });
    expect(s.ui.expandedTask).toBe('clipped-ols/residuals');
  });

  test('with nothing selected the details list every task that needs work', () => {
    const rows = detailRows(base());
    expect(rows.length).toBe(8);
    expect(rows.every((t) => t.state !== 'ok')).toBe(true);
  });

  test('the name filter hides outputs and drops a hidden selection', () => {
    let s = reduce(base(), { type: 'select_output', qid: 'fit' });
    s = reduceAll(s, [{ type: 'filter_begin' }, { type: 'filter_text', text: 'sum' }]);
    expect(s.ui.selectedOutput).toBeNull();
    s = reduce(s, { type: 'filter_end', keep: false });
    expect(s.ui.nameFilter).toBe('');
  });

  test('universe picker: toggle, refuse an empty pick, apply', () => {
    let s = reduce(base(), { type: 'overlay', overlay: { kind: 'universes', cursor: 0, picked: [...LINE_FIT.universes] } });
    s = reduce(s, { type: 'universe_toggle_all' });
    s = reduce(s, { type: 'universe_apply' });
    expect(s.ui.overlay.kind).toBe('universes');
    expect(s.ui.message?.level).toBe('warn');
    s = reduceAll(s, [{ type: 'universe_cursor', delta: 3 }, { type: 'universe_toggle' }, { type: 'universe_apply' }]);
    expect(s.universeFilter).toEqual(['robust']);
    expect(s.counts.get('residuals')).toMatchObject({ total: 1, stale: 1 });
    expect(s.ui.overlay.kind).toBe('none');
  });

  test('log pane follows the selected running or failed task', () => {
    let s = reduce(base(), { type: 'select_output', qid: 'fit' });
    expect(logTaskFor(s)).toBeUndefined();
    s = reduce(s, { type: 'run_events', events: [plan(['raw-median/fit']), started('raw-median/fit')] });
    expect(logTaskFor(s)?.id).toBe('raw-median/fit');
  });

  test('log viewer scrolls and returns to following at the end', () => {
    let s = reduce(base(), { type: 'log', log: { taskId: 't', path: '/l', lines: Array.from({ length: 100 }, (_, i) => `${i}`), truncatedLines: 0, scroll: null } });
    s = reduce(s, { type: 'log_scroll', delta: -10 });
    expect(s.log?.scroll).toBe(100 - logViewportRows(SIZE.rows) - 10);
    s = reduce(s, { type: 'log_scroll_to', where: 'top' });
    expect(s.log?.scroll).toBe(0);
    s = reduce(s, { type: 'log_scroll', delta: 1000 });
    expect(s.log?.scroll).toBeNull();
  });
});

describe('task table', () => {
  test('edits copy only the chunks they touch and never change the table they came from', () => {
    const views = Array.from({ length: 1000 }, (_, i) => ({ id: `u${i}/o`, universe: `u${i}`, output: 'o', state: 'missing' as const, reasons: [], durationS: null, host: null }));
    const a = TaskTable.from(views);
    const e = a.edit();
    e.set({ ...views[600]!, state: 'ok' });
    e.set({ id: 'unknown/o', universe: 'unknown', output: 'o', state: 'ok', reasons: [], durationS: null, host: null });
    const b = e.commit();
    expect(a.get('u600/o')?.state).toBe('missing');
    expect(b.get('u600/o')?.state).toBe('ok');
    expect(b.get('u1/o')).toBe(a.get('u1/o'));
    expect(b.has('unknown/o')).toBe(false);
    expect(b.size).toBe(1000);
    expect([...b.values()].filter((v) => v.state === 'ok').map((v) => v.id)).toEqual(['u600/o']);
  });
});
