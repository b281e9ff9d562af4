/**
 * Pane geometry for a terminal of `cols` x `rows`. The frame is at most `rows - 1` lines: Ink
 * clears the whole terminal (and the scrollback) when a frame reaches the terminal height, so
 * we stay one line short of it. Wide terminals get two columns; narrow ones stack the panes.
 */

export const HEADER_LINES = 2;
export const BOTTOM_LINES = 1;
/** Width from which the panes sit side by side. */
export const SPLIT_MIN_COLS = 110;
export const SPLIT_MIN_ROWS = 20;
/** Below this the screen shows only the outputs pane. */
export const TINY_ROWS = 12;
export const TINY_COLS = 50;

/** How many body lines each pane would like. */
export interface PaneDemand {
  outputs: number;
  details: number;
  workers: number;
  /** 0 when there is no log to show. */
  log: number;
}

/** A pane's place: body lines exclude its one-line title; 0 body = hidden. */
export interface PaneBox {
  width: number;
  body: number;
}

export interface FrameLayout {
  mode: 'stack' | 'split' | 'tiny';
  cols: number;
  /** Total lines of the frame (header + panes + bottom). */
  height: number;
  /** Lines between header and bottom. */
  bodyHeight: number;
  leftWidth: number;
  rightWidth: number;
  outputs: PaneBox;
  details: PaneBox;
  workers: PaneBox;
  log: PaneBox;
}

/** Frame height for a terminal height (never the full height, see above). */
export const frameHeight = (rows: number): number => Math.max(HEADER_LINES + BOTTOM_LINES + 2, rows - 1);

/** Lines of the full-screen viewers (log, help, universes): the body minus their title. */
export const logViewportRows = (rows: number): number => Math.max(1, frameHeight(rows) - HEADER_LINES - BOTTOM_LINES - 1);

const clamp = (v: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, v));

/** Split `rest` lines between two panes: each up to its demand, the first gets about half, slack goes to the second. */
function share(rest: number, firstDemand: number, secondDemand: number, firstMin: number): [number, number] {
  let a = clamp(firstDemand, Math.min(firstMin, rest), Math.max(Math.min(firstMin, rest), Math.ceil(rest / 2)));
  let b = rest - a;
  if (b > secondDemand) {
    a = clamp(firstDemand, a, rest - Math.min(secondDemand, rest));
    b = rest - a;
  }
  return [a, b];
}

/**
 * Column widths in split mode: the left (outputs, details) 60% while a log is shown on the
 * right, 64% when the right holds only the workers (their rows need no more), a one-column
 * separator, the rest right.
 */
export function splitWidths(cols: number, hasLog = true): { left: number; right: number } {
  const left = Math.floor((cols - 1) * (hasLog ? 0.6 : 0.64));
  return { left, right: cols - 1 - left };
}

export function computeLayout(cols: number, rows: number, demand: PaneDemand): FrameLayout {
  const height = frameHeight(rows);
  const bodyHeight = height - HEADER_LINES - BOTTOM_LINES;
  const none: PaneBox = { width: cols, body: 0 };
  const base = { cols, height, bodyHeight, leftWidth: cols, rightWidth: 0 };

  if (rows < TINY_ROWS || cols < TINY_COLS) {
    return { ...base, mode: 'tiny', outputs: { width: cols, body: Math.max(1, bodyHeight - 1) }, details: none, workers: none, log: none };
  }

  if (cols >= SPLIT_MIN_COLS && rows >= SPLIT_MIN_ROWS) {
    const { left: leftWidth, right: rightWidth } = splitWidths(cols, demand.log > 0);
    const [o, d] = share(bodyHeight - 2, demand.outputs, demand.details, 3);
    const workersBody = clamp(demand.workers, 1, Math.floor((bodyHeight - 2) / 2));
    return {
      ...base,
      mode: 'split',
      leftWidth,
      rightWidth,
      outputs: { width: leftWidth, body: o },
      details: { width: leftWidth, body: d },
      workers: { width: rightWidth, body: workersBody },
      log: { width: rightWidth, body: bodyHeight - 2 - workersBody },
    };
  }

  const tall = rows >= 30;
  let workersBody = clamp(demand.workers, 1, tall ? 4 : 2);
  let logBody = demand.log > 0 ? clamp(demand.log, 1, tall ? 8 : 4) : 0;
  const restFor = (): number => bodyHeight - 2 - (workersBody ? workersBody + 1 : 0) - (logBody ? logBody + 1 : 0);
  // Outputs and details need room to be useful: give up the log, then the workers.
  if (restFor() < 5) logBody = 0;
  if (restFor() < 4) workersBody = 0;
  const [o, shared] = share(restFor(), demand.outputs, demand.details, 2);
  let d = shared;
  // rows details cannot fill go to a log that has more to show
  const spare = Math.max(0, d - demand.details);
  if (logBody > 0 && demand.log > logBody && spare > 0) {
    const give = Math.min(spare, demand.log - logBody);
    d -= give;
    logBody += give;
  }
  return {
    ...base,
    mode: 'stack',
    outputs: { width: cols, body: o },
    details: { width: cols, body: d },
    workers: { width: cols, body: workersBody },
    log: { width: cols, body: logBody },
  };
}
