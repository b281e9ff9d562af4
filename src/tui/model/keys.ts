/**
 * Key presses -> view-state actions and engine commands. Pure: what a key means depends only on
 * the view state (focus, overlays, confirmations, whether a run is active), so the whole key map
 * is unit-tested without a terminal. src/tui executes the returned commands against the engine.
 */
import type { MonitorAction } from './actions.js';
import { detailRows, failureGroups, runActive } from './selectors.js';
import { mapCell, mapUniverses } from './map.js';
import { numericMetrics } from './results.js';
import { mapCellColumns } from './frame/map.js';
import type { Overlay, ViewState } from './types.js';

/** A key as the terminal layer reports it (mapped from Ink's Key in src/tui). */
export interface KeyPress {
  input: string;
  up?: boolean;
  down?: boolean;
  left?: boolean;
  right?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  enter?: boolean;
  escape?: boolean;
  tab?: boolean;
  shift?: boolean;
  backspace?: boolean;
  ctrl?: boolean;
}

export type TuiCommand =
  /** Run what is stale of `output` and its upstream (null: everything stale), in the shown universes. */
  | { kind: 'run'; output: string | null }
  /** Re-run `output` in the shown universes even when ok (upstream only when stale). */
  | { kind: 'force'; output: string }
  /** Cancel the current run gracefully (ours: RunControl; attached: ask its owner). */
  | { kind: 'cancel' }
  | { kind: 'verify'; output: string }
  | { kind: 'stop_scheduler' }
  /** Leave; `cancelRun` first cancels our run and waits for it to wind down. */
  | { kind: 'quit'; cancelRun: boolean }
  /** Load the full log of a task into the viewer. */
  | { kind: 'open_log'; taskId: string }
  /** Read a metric output's values and show them (the results view). */
  | { kind: 'open_results'; output: string };

export interface KeyResult {
  actions: MonitorAction[];
  command?: TuiCommand;
}

const none: KeyResult = { actions: [] };
const act = (...actions: MonitorAction[]): KeyResult => ({ actions });
const say = (text: string, level: 'info' | 'warn' | 'error' = 'warn'): KeyResult => act({ type: 'message', text, level });

/** Rows a page key moves: half the terminal, at least one. */
const page = (s: ViewState): number => Math.max(1, Math.floor(s.ui.rows / 2));

export function interpretKey(s: ViewState, k: KeyPress): KeyResult {
  const isCtrlC = k.ctrl === true && k.input === 'c';
  if (isCtrlC) return ctrlC(s);
  const reset: MonitorAction[] = s.ui.interrupts > 0 ? [{ type: 'interrupt_reset' }] : [];
  const r = route(s, k);
  return { actions: [...reset, ...r.actions], ...(r.command ? { command: r.command } : {}) };
}

function route(s: ViewState, k: KeyPress): KeyResult {
  if (s.ui.confirm) return confirmKey(s, k);
  if (s.ui.filterEditing) return filterKey(s, k);
  switch (s.ui.overlay.kind) {
    case 'help':
      return k.escape || k.input === '?' || k.input === 'q' || k.enter ? act({ type: 'overlay', overlay: { kind: 'none' } }) : none;
    case 'log':
      return logKey(s, k);
    case 'failures':
      return failuresKey(s, s.ui.overlay, k);
    case 'map':
      return mapKey(s, s.ui.overlay, k);
    case 'results':
      return resultsKey(s, s.ui.overlay, k);
    case 'universes':
      return universesKey(s.ui.overlay, k);
    default:
      return mainKey(s, k);
  }
}

function ctrlC(s: ViewState): KeyResult {
  const ownRun = runActive(s) && s.run.owner === 'self';
  if (ownRun && s.ui.interrupts === 0) {
    return {
      actions: [{ type: 'interrupt' }, { type: 'message', text: 'cancelling the run: running tasks get SIGTERM; Ctrl-C again quits', level: 'warn' }],
      command: { kind: 'cancel' },
    };
  }
  return { actions: [{ type: 'interrupt' }], command: { kind: 'quit', cancelRun: ownRun } };
}

function confirmKey(s: ViewState, k: KeyPress): KeyResult {
  const c = s.ui.confirm;
  if (!c) return none;
  const close: MonitorAction = { type: 'confirm', confirm: null };
  if (k.input === 'y' || k.input === 'Y') {
    switch (c.kind) {
      case 'force':
        return s.ui.selectedOutput === null ? act(close) : { actions: [close], command: { kind: 'force', output: s.ui.selectedOutput } };
      case 'stop_scheduler':
        return { actions: [close], command: { kind: 'stop_scheduler' } };
      case 'quit':
        return { actions: [close], command: { kind: 'quit', cancelRun: true } };
    }
  }
  if (k.input === 'n' || k.input === 'N' || k.escape || k.input === 'q') return act(close);
  return none;
}

function filterKey(s: ViewState, k: KeyPress): KeyResult {
  if (k.enter) return act({ type: 'filter_end', keep: true });
  if (k.escape) return act({ type: 'filter_end', keep: false });
  if (k.backspace) return act({ type: 'filter_text', text: s.ui.nameFilter.slice(0, -1) });
  if (k.input && !k.ctrl && /^[\x20-\x7e]+$/.test(k.input)) return act({ type: 'filter_text', text: s.ui.nameFilter + k.input });
  return none;
}

function logKey(s: ViewState, k: KeyPress): KeyResult {
  if (k.escape || k.input === 'q' || k.input === 'l') return act({ type: 'overlay', overlay: { kind: 'none' } });
  if (k.up || k.input === 'k') return act({ type: 'log_scroll', delta: -1 });
  if (k.down || k.input === 'j') return act({ type: 'log_scroll', delta: 1 });
  if (k.pageUp || k.input === 'b') return act({ type: 'log_scroll', delta: -page(s) });
  if (k.pageDown || k.input === ' ') return act({ type: 'log_scroll', delta: page(s) });
  if (k.home || k.input === 'g') return act({ type: 'log_scroll_to', where: 'top' });
  if (k.end || k.input === 'G') return act({ type: 'log_scroll_to', where: 'end' });
  return none;
}

function failuresKey(s: ViewState, o: Overlay & { kind: 'failures' }, k: KeyPress): KeyResult {
  const groups = failureGroups(s);
  if (k.escape || k.input === 'q' || k.input === 'e') return act({ type: 'overlay', overlay: { kind: 'none' } });
  const move = (d: number) => act({ type: 'overlay', overlay: { kind: 'failures', cursor: Math.max(0, Math.min(groups.length - 1, o.cursor + d)) } });
  if (k.up || k.input === 'k') return move(-1);
  if (k.down || k.input === 'j') return move(1);
  if (k.enter || k.input === 'l') {
    const id = groups[o.cursor]?.tasks[0];
    return id ? { actions: [], command: { kind: 'open_log', taskId: id } } : none;
  }
  return none;
}

function resultsKey(s: ViewState, o: Overlay & { kind: 'results' }, k: KeyPress): KeyResult {
  if (k.escape || k.input === 'q' || k.input === 'c') return act({ type: 'overlay', overlay: { kind: 'none' } });
  const n = s.results?.values.length ?? 0;
  const to = (cursor: number, metric = o.metric) => act({ type: 'overlay', overlay: { kind: 'results', cursor: Math.max(0, Math.min(n - 1, cursor)), metric } });
  if (k.left || k.input === 'h') return to(o.cursor - 1);
  if (k.right || k.input === 'l') return to(o.cursor + 1);
  if (k.home || k.input === 'g') return to(0);
  if (k.end || k.input === 'G') return to(n - 1);
  if (k.tab) {
    const metrics = numericMetrics(s);
    const i = metrics.indexOf(o.metric ?? metrics[0] ?? '');
    return to(o.cursor, metrics[(i + 1) % Math.max(1, metrics.length)] ?? null);
  }
  return none;
}

function mapKey(s: ViewState, o: Overlay & { kind: 'map' }, k: KeyPress): KeyResult {
  if (k.escape || k.input === 'q' || k.input === 'm') return act({ type: 'overlay', overlay: { kind: 'none' } });
  const nU = mapUniverses(s, o.sort).length;
  const page = mapCellColumns(s.ui.cols, s);
  const to = (row: number, col: number, sort = o.sort) =>
    act({ type: 'overlay', overlay: { kind: 'map', row: Math.max(0, Math.min(s.outputs.length - 1, row)), col: Math.max(0, Math.min(nU - 1, col)), sort } });
  if (k.up || k.input === 'k') return to(o.row - 1, o.col);
  if (k.down || k.input === 'j') return to(o.row + 1, o.col);
  if (k.left || k.input === 'h') return to(o.row, o.col - 1);
  if (k.right || k.input === 'l') return to(o.row, o.col + 1);
  if (k.pageUp) return to(o.row, o.col - page);
  if (k.pageDown) return to(o.row, o.col + page);
  if (k.home || k.input === 'g') return to(o.row, 0);
  if (k.end || k.input === 'G') return to(o.row, nU - 1);
  if (k.input === 's') return to(o.row, 0, o.sort === 'name' ? 'progress' : 'name');
  if (k.enter) {
    const u = mapUniverses(s, o.sort)[o.col];
    const out = s.outputs[o.row]?.qid;
    const t = u && out ? mapCell(s, u, out) : undefined;
    return t ? { actions: [], command: { kind: 'open_log', taskId: t.id } } : say('no task in this cell');
  }
  return none;
}

function universesKey(o: Overlay & { kind: 'universes' }, k: KeyPress): KeyResult {
  const query = o.query ?? '';
  if (o.typing) {
    // Typing a search: every printable key is text; arrows still move, space still toggles.
    if (k.enter) return act({ type: 'universe_query', text: query, typing: false });
    if (k.escape) return act({ type: 'universe_query', text: '', typing: false });
    if (k.backspace) return act({ type: 'universe_query', text: query.slice(0, -1), typing: true });
    if (k.up) return act({ type: 'universe_cursor', delta: -1 });
    if (k.down) return act({ type: 'universe_cursor', delta: 1 });
    if (k.input === ' ') return act({ type: 'universe_toggle' }, { type: 'universe_cursor', delta: 1 });
    if (k.input && !k.ctrl && /^[\x21-\x7e]+$/.test(k.input))
      return act({ type: 'universe_query', text: query + k.input, typing: true });
    return none;
  }
  if (k.escape && query) return act({ type: 'universe_query', text: '', typing: false });
  if (k.escape || k.input === 'q') return act({ type: 'overlay', overlay: { kind: 'none' } });
  if (k.input === '/') return act({ type: 'universe_query', text: query, typing: true });
  if (k.up || k.input === 'k') return act({ type: 'universe_cursor', delta: -1 });
  if (k.down || k.input === 'j') return act({ type: 'universe_cursor', delta: 1 });
  if (k.pageUp) return act({ type: 'universe_cursor', delta: -10 });
  if (k.pageDown) return act({ type: 'universe_cursor', delta: 10 });
  if (k.input === ' ' || k.input === 'x') return act({ type: 'universe_toggle' }, { type: 'universe_cursor', delta: 1 });
  if (k.input === 'a') return act({ type: 'universe_toggle_all' });
  if (k.enter) return act({ type: 'universe_apply' });
  return none;
}

function mainKey(s: ViewState, k: KeyPress): KeyResult {
  const u = s.ui;
  if (k.up || k.input === 'k') return act({ type: 'move', delta: -1 });
  if (k.down || k.input === 'j') return act({ type: 'move', delta: 1 });
  if (k.pageUp) return act({ type: 'move', delta: -page(s) });
  if (k.pageDown) return act({ type: 'move', delta: page(s) });
  if (k.home || k.input === 'g') return act({ type: 'move_to', where: 'first' });
  if (k.end || k.input === 'G') return act({ type: 'move_to', where: 'last' });
  if (k.tab) return act({ type: 'focus_next', delta: k.shift ? -1 : 1 });
  if (k.right) return act({ type: 'focus_next', delta: 1 });
  if (k.left) return act({ type: 'focus_next', delta: -1 });
  if (k.enter) return act({ type: 'toggle_expand' });
  if (k.escape) {
    if (u.focus !== 'outputs') return act({ type: 'focus', pane: 'outputs' });
    if (u.nameFilter) return act({ type: 'filter_end', keep: false });
    return act({ type: 'select_output', qid: null });
  }
  switch (k.input) {
    case '?':
      return act({ type: 'overlay', overlay: { kind: 'help' } });
    case '/':
      return act({ type: 'filter_begin' });
    case 'u':
      return act({ type: 'overlay', overlay: { kind: 'universes', cursor: 0, picked: s.universeFilter.length ? [...s.universeFilter] : [...s.universes] } });
    case 'r':
      if (runActive(s)) return say(busyText(s));
      return { actions: [], command: { kind: 'run', output: u.selectedOutput } };
    case 'f': {
      if (runActive(s)) return say(busyText(s));
      if (u.selectedOutput === null) return say('select an output to force (↑/↓ or j/k)');
      const n = s.counts.get(u.selectedOutput)?.total ?? 0;
      return act({
        type: 'confirm',
        confirm: { kind: 'force', question: `Force re-run ${u.selectedOutput} in ${n} universe${n === 1 ? '' : 's'}?` },
      });
    }
    case 'x':
      if (!runActive(s)) return say('no run to cancel', 'info');
      return { actions: [{ type: 'message', text: 'cancelling the run…', level: 'warn' }], command: { kind: 'cancel' } };
    case 'v':
      if (u.selectedOutput === null) return say('select an output to verify (↑/↓ or j/k)');
      return { actions: [], command: { kind: 'verify', output: u.selectedOutput } };
    case 's':
      return stopKey(s);
    case 'c': {
      const out = s.outputs.find((o) => o.qid === u.selectedOutput);
      if (!out) return say('select a metric output to see its results (↑/↓ or j/k)');
      if (out.type !== 'metric') return say(`${out.qid} is of type ${out.type}: only metric outputs have values to compare`, 'info');
      return { actions: [{ type: 'overlay', overlay: { kind: 'results', cursor: 0, metric: null } }], command: { kind: 'open_results', output: out.qid } };
    }
    case 'm':
      if (s.outputs.length === 0) return say('no outputs to map', 'info');
      return act({ type: 'overlay', overlay: { kind: 'map', row: 0, col: 0, sort: 'name' } });
    case 'e':
      if (failureGroups(s).length === 0) return say('no failed task in the shown universes', 'info');
      return act({ type: 'overlay', overlay: { kind: 'failures', cursor: 0 } });
    case 'l': {
      const id = u.selectedTask ?? detailRows(s)[0]?.id;
      if (!id) return say('no task selected');
      return { actions: [], command: { kind: 'open_log', taskId: id } };
    }
    case 'q':
      if (runActive(s) && s.run.owner === 'self') {
        return act({ type: 'confirm', confirm: { kind: 'quit', question: 'A run is active: cancel it and quit?' } });
      }
      return { actions: [], command: { kind: 'quit', cancelRun: false } };
    default:
      return none;
  }
}

function stopKey(s: ViewState): KeyResult {
  const sch = s.scheduler;
  if (sch.state === 'none') return say('no scheduler running', 'info');
  if (sch.state !== 'running') return say(`the scheduler is ${sch.state}`, 'info');
  if (sch.external) return say(`the scheduler at ${sch.address} was not started by lc (DASK_SCHEDULER_ADDRESS): lc never stops it`);
  if (runActive(s)) return say('a run is using the scheduler: cancel it first (x)');
  return act({
    type: 'confirm',
    confirm: { kind: 'stop_scheduler', question: `Stop the session scheduler at ${sch.address} (${sch.workers} worker${sch.workers === 1 ? '' : 's'})?` },
  });
}

function busyText(s: ViewState): string {
  if (s.run.owner === 'attached' && s.run.holder) return `lc run (pid ${s.run.holder.pid} on ${s.run.holder.host}) holds the project: wait for it or cancel it (x)`;
  return 'a run is already active: wait for it or cancel it (x)';
}

/**
 * Keys typed faster than the terminal is read (or sent together, as tmux send-keys does) reach
 * us as one string such as `jj\r`. Split it into single presses; null when it is not such a run
 * (escape sequences are parsed by the terminal layer).
 */
export function splitTyped(input: string): KeyPress[] | null {
  if (input.length < 2 || input.includes('\u001b')) return null;
  return Array.from(input, (ch): KeyPress => {
    switch (ch) {
      case '\r':
      case '\n':
        return { input: '', enter: true };
      case '\t':
        return { input: '', tab: true };
      case '\u007f':
      case '\b':
        return { input: '', backspace: true };
      case '\u0003':
        return { input: 'c', ctrl: true };
      default:
        return { input: ch };
    }
  });
}
