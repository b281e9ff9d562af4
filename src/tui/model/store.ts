/**
 * The TUI store: the reducer's state plus a frame clock. Runner events are buffered and folded
 * in one batch per frame; subscribers (the Ink root) are told at most once per `frameMs`
 * (default 100 ms, so at most ~10 frames/s however fast events arrive). A key press reduces
 * at once and renders on the next tick, so typing never waits for a frame slot that is free.
 */
import type { RunEvent } from '../../../engine/events.js';
import type { MonitorAction } from './actions.js';
import { reduce } from './reducer.js';
import type { ViewState } from './types.js';

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
  /** Reduce now (pending events first, so order is kept); subscribers hear about it next frame. */
  dispatch(action: MonitorAction): void;
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
  let lastFrame = -Infinity;
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
    applyPending();
    if (!dirty || disposed) return;
    dirty = false;
    lastFrame = clock.now();
    frames++;
    for (const l of [...listeners]) l();
  };

  const schedule = (): void => {
    if (timer !== null || disposed) return;
    const wait = Math.max(0, lastFrame + frameMs - clock.now());
    timer = clock.setTimeout(frame, wait);
  };

  return {
    getState: () => state,
    dispatch(action) {
      applyPending();
      const next = reduce(state, action);
      if (next === state) return;
      state = next;
      dirty = true;
      schedule();
    },
    pushEvent(event) {
      pending.push(event);
      schedule();
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
