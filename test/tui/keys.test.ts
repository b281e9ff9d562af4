import { describe, expect, test, vi } from 'vitest';
import { interpretKey, splitTyped, type KeyPress } from '../../src/tui/model/keys.js';
import { reduceAll } from '../../src/tui/model/reducer.js';
import { createStore, type Clock } from '../../src/tui/model/store.js';
import type { ViewState } from '../../src/tui/model/types.js';
import type { RunEvent } from '../../engine/events.js';
import { NOW, mixedScene, stopConfirmScene } from './fixtures.js';

const SIZE = { cols: 80, rows: 24 };
const press = (s: ViewState, input: string, extra: Partial<KeyPress> = {}) => interpretKey(s, { input, ...extra });
/** Apply a key's actions, as the controller does. */
const after = (s: ViewState, input: string, extra: Partial<KeyPress> = {}) =>
  reduceAll(s, press(s, input, extra).actions);

const running = (s: ViewState, owner: 'self' | 'attached' = 'self'): ViewState =>
  reduceAll(s, [
    owner === 'self'
      ? { type: 'run_starting' }
      : { type: 'attach', holder: { pid: 4242, host: 'node01', startedAt: '2026-01-15T11:59:00Z' } },
    {
      type: 'run_events',
      events: [
        {
          type: 'plan_ready',
          t: NOW,
          runId: 'r',
          executor: 'local',
          dryRun: false,
          upToDate: 0,
          tasks: [{ id: 'raw-median/fit', reasons: [] }],
        },
      ],
    },
  ]);

describe('run keys', () => {
  test('r runs the selected output; with nothing selected, everything', () => {
    const s = mixedScene(SIZE);
    expect(press(s, 'r').command).toEqual({ kind: 'run', output: 'fit' });
    expect(press(after(s, '', { escape: true }), 'r').command).toEqual({ kind: 'run', output: null });
  });

  test('f asks first; y forces the selected output, n does nothing', () => {
    let s = after(mixedScene(SIZE), 'f');
    expect(s.ui.confirm?.kind).toBe('force');
    expect(s.ui.confirm?.question).toContain('fit in 4 universes');
    expect(press(s, 'n').command).toBeUndefined();
    expect(after(s, 'n').ui.confirm).toBeNull();
    expect(press(s, 'y').command).toEqual({ kind: 'force', output: 'fit' });
    s = after(s, 'y');
    expect(s.ui.confirm).toBeNull();
  });

  test('while a run is active r and f refuse, x cancels, q asks', () => {
    const s = running(mixedScene(SIZE));
    expect(press(s, 'r').command).toBeUndefined();
    expect(after(s, 'r').ui.message?.text).toMatch(/already active/);
    expect(press(s, 'x').command).toEqual({ kind: 'cancel' });
    const asked = after(s, 'q');
    expect(asked.ui.confirm?.kind).toBe('quit');
    expect(press(asked, 'y').command).toEqual({ kind: 'quit', cancelRun: true });
  });

  test('q quits at once when idle, and when only watching another run', () => {
    expect(press(mixedScene(SIZE), 'q').command).toEqual({ kind: 'quit', cancelRun: false });
    const watching = running(mixedScene(SIZE), 'attached');
    expect(press(watching, 'q').command).toEqual({ kind: 'quit', cancelRun: false });
    expect(after(watching, 'r').ui.message?.text).toMatch(/pid 4242/);
  });

  test('Ctrl-C: first cancels our run, second quits', () => {
    let s = running(mixedScene(SIZE));
    const first = press(s, 'c', { ctrl: true });
    expect(first.command).toEqual({ kind: 'cancel' });
    s = reduceAll(s, first.actions);
    expect(press(s, 'c', { ctrl: true }).command).toEqual({ kind: 'quit', cancelRun: true });
    expect(press(mixedScene(SIZE), 'c', { ctrl: true }).command).toEqual({ kind: 'quit', cancelRun: false });
  });
});

describe('scheduler key', () => {
  test('s says so when there is no scheduler', () => {
    const s = after(mixedScene(SIZE), 's');
    expect(s.ui.confirm).toBeNull();
    expect(s.ui.message?.text).toBe('no scheduler running');
  });
  test('s asks before stopping a session scheduler; never offers to stop an external one', () => {
    const base = reduceAll(stopConfirmScene(SIZE), [{ type: 'confirm', confirm: null }]);
    const asked = after(base, 's');
    expect(asked.ui.confirm?.kind).toBe('stop_scheduler');
    expect(press(asked, 'y').command).toEqual({ kind: 'stop_scheduler' });
    const ext = reduceAll(base, [
      { type: 'scheduler', scheduler: { state: 'running', address: 'tcp://h:1', workers: 2, external: true } },
    ]);
    expect(after(ext, 's').ui.confirm).toBeNull();
    expect(after(ext, 's').ui.message?.text).toMatch(/never stops it/);
  });
});

describe('navigation keys', () => {
  test('arrows and j/k move, tab cycles panes, enter drills in, esc backs out', () => {
    let s = mixedScene(SIZE);
    s = after(s, 'j');
    expect(s.ui.selectedOutput).toBe('residuals');
    s = after(s, '', { up: true });
    expect(s.ui.selectedOutput).toBe('fit');
    s = after(s, '', { enter: true });
    expect(s.ui.focus).toBe('details');
    s = after(s, '', { tab: true });
    expect(s.ui.focus).toBe('workers');
    s = after(s, '', { escape: true });
    expect(s.ui.focus).toBe('outputs');
  });

  test('/ filters by name as you type; esc clears', () => {
    let s = after(mixedScene(SIZE), '/');
    expect(s.ui.filterEditing).toBe(true);
    s = after(after(after(s, 'r'), 'e'), 's');
    expect(s.ui.nameFilter).toBe('res');
    s = after(s, '', { enter: true });
    expect(s.ui.filterEditing).toBe(false);
    expect(s.ui.nameFilter).toBe('res');
    // keys mean commands again once the filter is kept
    expect(press(s, 'q').command).toEqual({ kind: 'quit', cancelRun: false });
  });

  test('? opens help, any close key closes it; l opens the selected task log', () => {
    const s = after(mixedScene(SIZE), '?');
    expect(s.ui.overlay.kind).toBe('help');
    expect(press(s, 'r').command).toBeUndefined();
    expect(after(s, '', { escape: true }).ui.overlay.kind).toBe('none');
    expect(press(mixedScene(SIZE), 'l').command).toEqual({ kind: 'open_log', taskId: 'clipped-ols/fit' });
  });

  test('u opens the universe picker with the current filter', () => {
    const s = after(mixedScene(SIZE), 'u');
    expect(s.ui.overlay).toEqual({
      kind: 'universes',
      cursor: 0,
      picked: ['baseline', 'clipped-ols', 'raw-median', 'robust'],
    });
    const one = after(after(s, ' '), '', { enter: true });
    expect(one.universeFilter).toEqual(['clipped-ols', 'raw-median', 'robust']);
  });

  test('in the picker, / searches: typed keys are text, a toggles the matches only, esc clears', () => {
    let s = after(after(mixedScene(SIZE), 'u'), 'a'); // nothing picked
    s = after(s, '/');
    for (const c of 'ro') s = after(s, c);
    expect(s.ui.overlay).toMatchObject({ kind: 'universes', query: 'ro', typing: true, cursor: 0 });
    // 'a' and 'q' are text while typing, not commands
    expect(press(s, 'q').command).toBeUndefined();
    s = after(after(after(s, 'b'), '', { backspace: true }), '', { enter: true });
    expect(s.ui.overlay).toMatchObject({ query: 'ro', typing: false });
    s = after(s, 'a'); // the matches: robust (and not raw-median: no 'ro')
    expect(s.ui.overlay).toMatchObject({ picked: ['robust'] });
    s = after(s, '', { escape: true }); // first esc clears the search, second closes
    expect(s.ui.overlay).toMatchObject({ kind: 'universes', query: '', typing: false });
    s = after(after(s, 'j'), ' '); // cursor moves over all universes again: clipped-ols
    expect(s.ui.overlay).toMatchObject({ picked: ['robust', 'clipped-ols'] });
    const applied = after(s, '', { enter: true });
    expect(applied.universeFilter).toEqual(['clipped-ols', 'robust']);
  });
});

describe('store', () => {
  function fakeClock(): Clock & { advance(ms: number): void; spend(ms: number): void } {
    let now = 0;
    let timers: { at: number; fn: () => void; id: number }[] = [];
    let id = 0;
    return {
      now: () => now,
      setTimeout(fn, ms) {
        timers.push({ at: now + ms, fn, id: ++id });
        return id;
      },
      clearTimeout(h) {
        timers = timers.filter((t) => t.id !== h);
      },
      /** Time passing inside a callback (work done), no timer run. */
      spend(ms) {
        now += ms;
      },
      advance(ms) {
        const end = now + ms;
        for (;;) {
          const next = timers.sort((a, b) => a.at - b.at)[0];
          if (!next || next.at > end) break;
          timers = timers.filter((t) => t !== next);
          now = next.at;
          next.fn();
        }
        now = end;
      },
    };
  }

  const progress = (i: number): RunEvent => ({
    type: 'progress',
    t: NOW,
    done: i,
    running: 1,
    pending: 0,
    failed: 0,
    elapsedS: i,
    etaS: null,
  });

  test('events are batched: at most one frame per 100 ms however many arrive', () => {
    const clock = fakeClock();
    const store = createStore(mixedScene(SIZE), { clock, frameMs: 100 });
    const listener = vi.fn();
    store.subscribe(listener);
    for (let i = 0; i < 1000; i++) {
      store.pushEvent(progress(i));
      clock.advance(1);
    }
    clock.advance(200);
    // 1,000 events over 1.2 s: about 12 frames, never one per event.
    expect(listener.mock.calls.length).toBeGreaterThanOrEqual(10);
    expect(listener.mock.calls.length).toBeLessThanOrEqual(13);
    expect(store.getState().run.done).toBe(999);
  });

  test('slow frames come less often: each costs at most a quarter of the time, and keys still draw within a frame period', () => {
    const clock = fakeClock();
    const store = createStore(mixedScene(SIZE), { clock, frameMs: 100 });
    // every frame costs 100 ms of this thread (a very big sweep)
    const listener = vi.fn(() => clock.spend(100));
    store.subscribe(listener);
    for (let i = 0; i < 10_000; i++) {
      store.pushEvent(progress(i));
      clock.advance(1);
    }
    // 10 s of events: a frame each 400 ms (25), not each 100 ms (100)
    expect(listener.mock.calls.length).toBeGreaterThanOrEqual(20);
    expect(listener.mock.calls.length).toBeLessThanOrEqual(27);
    clock.advance(1000);
    expect(store.getState().run.done).toBe(9999);

    const before = listener.mock.calls.length;
    store.pushEvent(progress(10_000));
    clock.advance(1); // a frame: its cost pushes the next event frame 400 ms out
    store.pushEvent(progress(10_001));
    store.dispatch({ type: 'log', log: { taskId: 'u/o', path: '/l', lines: [], truncatedLines: 0, scroll: null } });
    clock.advance(100); // a background update waits with the events
    expect(listener.mock.calls.length).toBe(before + 1);
    store.dispatch({ type: 'move', delta: 1 }, true);
    clock.advance(100);
    expect(listener.mock.calls.length).toBe(before + 2);
    expect(store.getState().run.done).toBe(10_001);
  });

  test('a key press after a quiet spell renders at once (no frame wait)', () => {
    const clock = fakeClock();
    const store = createStore(mixedScene(SIZE), { clock });
    const listener = vi.fn();
    store.subscribe(listener);
    clock.advance(1000);
    store.dispatch({ type: 'move', delta: 1 });
    clock.advance(0);
    expect(listener).toHaveBeenCalledTimes(1);
  });
});

describe('typed runs', () => {
  test('keys that arrive together are split into single presses', () => {
    expect(splitTyped('jj\r')).toEqual([{ input: 'j' }, { input: 'j' }, { input: '', enter: true }]);
    expect(splitTyped('\u0003\u0003')).toEqual([
      { input: 'c', ctrl: true },
      { input: 'c', ctrl: true },
    ]);
    expect(splitTyped('j')).toBeNull();
    expect(splitTyped('\u001b[A')).toBeNull();
  });
});
