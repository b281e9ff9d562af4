/**
 * The Ink root: subscribes to the controller's store (which already limits frames to ~10/s),
 * forwards key presses, and reports terminal size changes (debounced, so a drag-resize lays
 * out once, not fifty times).
 */
import { useInput, useStdout, type Key } from 'ink';
import { useEffect, useSyncExternalStore } from 'react';
import { App } from '../../components/App.js';
import { splitTyped, type KeyPress } from './model/keys.js';
import type { TuiController } from './controller.js';

export const RESIZE_DEBOUNCE_MS = 80;

export function toKeyPress(input: string, key: Key): KeyPress {
  return {
    input,
    up: key.upArrow,
    down: key.downArrow,
    left: key.leftArrow,
    right: key.rightArrow,
    pageUp: key.pageUp,
    pageDown: key.pageDown,
    home: key.home,
    end: key.end,
    enter: key.return,
    escape: key.escape,
    tab: key.tab,
    shift: key.shift,
    backspace: key.backspace || key.delete,
    ctrl: key.ctrl,
  };
}

export function Root({ controller, ascii, color }: { controller: TuiController; ascii: boolean; color: boolean }) {
  const store = controller.store;
  const state = useSyncExternalStore(store.subscribe, store.getState);
  const { stdout } = useStdout();
  useInput((input, key) => {
    const typed = key.ctrl || key.meta ? null : splitTyped(input);
    if (typed) for (const k of typed) controller.key(k);
    else controller.key(toKeyPress(input, key));
  });
  useEffect(() => {
    let timer: NodeJS.Timeout | null = null;
    const onResize = (): void => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => controller.resize(stdout.columns || 80, stdout.rows || 24), RESIZE_DEBOUNCE_MS);
    };
    stdout.on('resize', onResize);
    return () => {
      if (timer) clearTimeout(timer);
      stdout.off('resize', onResize);
    };
  }, [controller, stdout]);
  return <App state={state} ascii={ascii} color={color} />;
}
