/** Full-screen overlays: help, the full log viewer, the universe picker. */
import { DISPLAY_STATES, STATE_STYLE } from '../../../style/states.js';
import { fit, sanitizeLine, truncateMiddle } from '../format.js';
import type { Glyphs } from '../glyphs.js';
import type { FrameLayout } from '../layout.js';
import { failureGroups, pickerUniverses } from '../selectors.js';
import { mapPane } from './map.js';
import { resultsPane } from './results.js';
import type { Overlay, ViewState } from '../types.js';
import { fitLine, moreLine, padLines, seg, title, windowRows, type Line, type PaneModel } from './model.js';

export function overlayPane(state: ViewState, layout: FrameLayout, g: Glyphs): PaneModel | undefined {
  const o = state.ui.overlay;
  const w = layout.cols;
  const body = layout.bodyHeight - 1;
  if (o.kind === 'help') return helpPane(w, body, g);
  if (o.kind === 'universes') return universesPane(state, o, w, body, g);
  if (o.kind === 'log') return logViewPane(state, w, body, g);
  if (o.kind === 'failures') return failuresPane(state, o.cursor, w, body, g);
  if (o.kind === 'map') return mapPane(state, o, w, body, g);
  if (o.kind === 'results') return resultsPane(state, o, w, body, g);
  return undefined;
}

/** Key help rows: [group, key, what it does], short enough for 80 columns. */
export function helpEntries(g: Glyphs): [string, string, string][] {
  return [
    ['run', 'r', 'run what is stale: selected output + what it needs (none: all)'],
    ['', 'f', 'force: re-run the selected output in the shown universes (y/n)'],
    ['', 'x', 'cancel the run gracefully (an attached run is asked to stop)'],
    ['', 'v', 'verify the selected output: re-hash, check provenance'],
    ['', 's', 'stop the session scheduler (y/n; never an external one)'],
    ['move', `${g.up}${g.down} j k`, 'move; PgUp/PgDn page; g/G first/last'],
    ['', 'tab', 'next pane: outputs, details, workers (shift-tab back)'],
    ['', g.enter, 'outputs: open the details; details: expand the row'],
    ['', 'esc', 'back; in outputs: clear the selection (r runs all)'],
    ['', '/', 'filter outputs by name'],
    ['', 'u', 'pick universes (space toggles, a all shown, / search, enter applies)'],
    ['', 'l', 'full log of the selected task (scroll, q leaves)'],
    ['', 'e', 'failures grouped by cause (enter: the log of one of them)'],
    ['', 'm', 'map: outputs x universes, one cell each (s: stuck first)'],
    ['', 'c', 'results of the selected metric output: its curve across universes'],
    ['screen', '?', 'this help'],
    ['', 'q', 'quit (asks during a run; the session scheduler stays up)'],
    ['', 'Ctrl-C', 'cancel the run; again: quit'],
  ];
}

function helpPane(w: number, body: number, g: Glyphs): PaneModel {
  const lines: Line[] = helpEntries(g).map(([grp, k, d]) =>
    fitLine([seg(` ${fit(grp, 7)}`, 'accent', { bold: true }), seg(fit(k, 8), 'title', { bold: true }), seg(d)], w, g.ellipsis),
  );
  const stateSegs = DISPLAY_STATES.flatMap((st) => [seg(g.state[st], STATE_STYLE[st].tone), seg(` ${STATE_STYLE[st].word}  `)]);
  lines.push(fitLine([seg(` ${fit('states', 7)}`, 'accent', { bold: true }), ...stateSegs.slice(0, 10)], w, g.ellipsis));
  lines.push(fitLine([seg(` ${fit('', 7)}`), ...stateSegs.slice(10), seg('(stale counts them too)', 'muted')], w, g.ellipsis));
  const shown = lines.length > body ? [...lines.slice(0, Math.max(0, body - 1)), fitLine([seg(`  +${lines.length - body + 1} more: make the terminal taller`, 'muted')], w, g.ellipsis)] : lines;
  return { id: 'help', width: w, focused: true, title: title('HELP', true, g, [seg('  keys and symbols', 'muted')], w), lines: padLines(shown, body, w) };
}

/**
 * Failures grouped by cause: per group its size, the line its logs end with (one of them, as
 * written), then which universes; the cursor's group opens a representative log with enter.
 */
function failuresPane(state: ViewState, cursor: number, w: number, body: number, g: Glyphs): PaneModel {
  const groups = failureGroups(state);
  const total = groups.reduce((n, gr) => n + gr.tasks.length, 0);
  const win = windowRows(groups.length, cursor, body, 2);
  const lines: Line[] = [];
  for (let i = win.start; i < win.start + win.count; i++) {
    const gr = groups[i];
    if (!gr) break;
    const on = i === cursor;
    const n = gr.tasks.length;
    const outputs = [...new Set(gr.tasks.map((id) => id.slice(id.indexOf('/') + 1)))];
    lines.push(
      fitLine(
        [
          seg(on ? `${g.cursor} ` : '  ', 'accent', { bold: true }),
          seg(`${g.state.failed} `, 'failed'),
          seg(`${n} task${n === 1 ? '' : 's'}: `, 'failed', { bold: true }),
          seg(sanitizeLine(gr.message), on ? 'title' : 'plain', { bold: on, inverse: on }),
        ],
        w,
        g.ellipsis,
      ),
    );
    const where = `    ${outputs.join(', ')} in ${gr.universes.length === 1 ? 'universe' : `${gr.universes.length} universes:`} ${gr.universes.join(', ')}`;
    lines.push(fitLine([seg(where, 'muted')], w, g.ellipsis));
  }
  if (win.more > 0) lines.push(moreLine(win.more, win.start, w, g));
  const rest: Line = [seg(`  ${total} failed in ${groups.length} cause${groups.length === 1 ? '' : 's'} ${g.sep} enter: log of the first ${g.sep} q: back`, 'muted')];
  return { id: 'failures', width: w, focused: true, title: title('FAILURES', true, g, rest, w), lines: padLines(lines, body, w) };
}

function universesPane(state: ViewState, o: Overlay & { kind: 'universes' }, w: number, body: number, g: Glyphs): PaneModel {
  const shown = pickerUniverses(state, o.query);
  const set = new Set(o.picked);
  const cursor = o.cursor;
  // One row for the search line while a query is typed or applied.
  const searching = o.typing === true || Boolean(o.query);
  const rows = searching ? Math.max(0, body - 1) : body;
  const win = windowRows(shown.length, cursor, rows);
  const lines: Line[] = [];
  if (searching) {
    const caret = o.typing ? '_' : '';
    lines.push(
      fitLine(
        [seg(' / ', 'accent', { bold: true }), seg(`${o.query ?? ''}${caret}`, 'title'), seg(`  ${shown.length} of ${state.universes.length}`, 'muted')],
        w,
        g.ellipsis,
      ),
    );
  }
  for (let i = win.start; i < win.start + win.count; i++) {
    const u = shown[i];
    if (u === undefined) continue;
    const on = set.has(u);
    lines.push(
      fitLine(
        [seg(i === cursor ? g.cursor : ' ', 'accent', { bold: true }), seg(` ${on ? g.checked : g.unchecked} `, on ? 'ok' : 'muted'), seg(u, i === cursor ? 'title' : 'plain', { bold: i === cursor })],
        w,
        g.ellipsis,
      ),
    );
  }
  if (shown.length === 0) lines.push(fitLine([seg('  no universe matches; backspace or esc', 'muted')], w, g.ellipsis));
  if (win.more) lines.push(moreLine(win.more, win.start, w, g));
  const titleLine = title('UNIVERSES', true, g, [seg(`  ${o.picked.length}/${state.universes.length} picked  / search`, 'muted')], w);
  return { id: 'universes', width: w, focused: true, title: titleLine, lines: padLines(lines, body, w) };
}

function logViewPane(state: ViewState, w: number, body: number, g: Glyphs): PaneModel {
  const log = state.log;
  if (!log) return { id: 'logview', width: w, focused: true, title: title('LOG', true, g, [], w), lines: padLines([fitLine([seg('  no log for this task', 'muted')], w, g.ellipsis)], body, w) };
  const n = log.lines.length;
  const start = log.scroll ?? Math.max(0, n - body);
  const shown = log.lines.slice(start, start + body);
  const range = n === 0 ? 'empty' : `lines ${start + 1 + log.truncatedLines}-${start + shown.length + log.truncatedLines} of ${n + log.truncatedLines}${log.scroll === null ? ' (following)' : ''}`;
  const titleLine = title('LOG', true, g, [seg(`  ${log.taskId}`, 'title', { bold: true }), seg(` ${g.sep} ${range} ${g.sep} ${truncateMiddle(log.path, Math.max(10, w - 60), g.ellipsis)}`, 'muted')], w);
  const lines = shown.map((l) => fitLine([seg(' '), seg(sanitizeLine(l))], w, g.ellipsis));
  return { id: 'logview', width: w, focused: true, title: titleLine, lines: padLines(lines, body, w) };
}
