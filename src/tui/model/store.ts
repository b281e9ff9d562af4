/**
 * The TUI store: the reducer's state plus a frame clock. Runner events are buffered and folded
 * in one batch per frame; subscribers (the Ink root) are told at most once per `frameMs`
 * (default 100 ms, so at most ~10 frames/s however fast events arrive), and less often when
 * frames are slow (FRAME_SHARE). A key press reduces at once and renders on the next tick, so
 * typing never waits for a frame slot that is free.
 */
import type { RunEvent } from '../../../engine/events.js';
import type { MonitorAction } from './actions.js';
import { reduce } from './reducer.js';
import type { ViewState } from './types.js';

/**
 * The most of this thread the frames may take. A frame that cost c ms (folding the events,
 * React, Ink) is followed by at least c / FRAME_SHARE ms before the next one runner events ask
 * for, and other background updates (a log tail re-read for the task a frame shows first): on a
 * sweep big enough to make frames slow (100,000 tasks), the TUI draws less often
 * instead of starving the run, whose local executor shares the thread (at a fixed 10 frames/s
 * such a run went ~50x slower than without the TUI). Key presses and resizes keep the plain
 * frame period.
 */
export const FRAME_SHARE = 0.25;

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface Store {
  getState(): ViewState;
  /**
   * Reduce now (pending events first, so order is kept); subscribers hear about it next frame.
   * `urgent` (what the user did: a key, a resize) takes the plain frame period however slow
   * frames are; anything else (log lines, samples, ticks) waits its turn like runner events.
   */
  dispatch(action: MonitorAction, urgent?: boolean): void;
  /** Buffer a runner event for the next frame. */
  pushEvent(event: RunEvent): void;
  subscribe(listener: () => void): () => void;
  /** Fold buffered events and notify now (tests, shutdown). */
  flush(): void;
  /** Frames notified so far (the benchmark counts them). */
  readonly frames: number;
  dispose(): void;
}

export function createStore(initial: ViewState, opts: { frameMs?: number; clock?: Clock } = {}): Store {
  const frameMs = opts.frameMs ?? 100;
  const clock = opts.clock ?? realClock;
  let state = initial;
  let pending: RunEvent[] = [];
  let dirty = false;
  let timer: unknown = null;
  let timerAt = Infinity;
  let lastFrame = -Infinity;
  /** What the last frame cost, ms. */
  let cost = 0;
  let frames = 0;
  let disposed = false;
  const listeners = new Set<() => void>();

  const applyPending = (): void => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    state = reduce(state, { type: 'run_events', events: batch });
    dirty = true;
  };

  const frame = (): void => {
    timer = null;
    timerAt = Infinity;
    const started = clock.now();
    applyPending();
    if (!dirty || disposed) return;
    dirty = false;
    lastFrame = started;
    frames++;
    for (const l of [...listeners]) l();
    // React and Ink finish drawing in microtasks, which all run before this timer
    clock.setTimeout(() => (cost = clock.now() - started), 0);
  };

  /** A frame at the next free slot: `urgent` (a key, a resize) keeps the plain period. */
  const schedule = (urgent: boolean): void => {
    if (disposed) return;
    const period = urgent ? frameMs : Math.max(frameMs, cost / FRAME_SHARE);
    const at = Math.max(clock.now(), lastFrame + period);
    if (timer !== null) {
      if (timerAt <= at) return;
      clock.clearTimeout(timer);
    }
    timerAt = at;
    timer = clock.setTimeout(frame, at - clock.now());
  };

  return {
    getState: () => state,
    dispatch(action, urgent = false) {
      applyPending();
      const next = reduce(state, action);
      if (next === state) return;
      state = next;
      dirty = true;
      schedule(urgent);
    },
    pushEvent(event) {
      pending.push(event);
      schedule(false);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    flush() {
      if (timer !== null) clock.clearTimeout(timer);
      frame();
    },
    get frames() {
      return frames;
    },
    dispose() {
      disposed = true;
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      listeners.clear();
    },
  };
}
