/** The log pane: the tail of the selected running or failed task's log. */
import { sanitizeLine, truncateMiddle, width } from '../format.js';
import type { Glyphs } from '../glyphs.js';
import type { FrameLayout } from '../layout.js';
import { displayState } from '../selectors.js';
import type { TaskView, ViewState } from '../types.js';
import { STATE_TONE, fitLine, padLines, seg, title, type Line, type PaneModel } from './model.js';

export function logLinesFor(state: ViewState, t: TaskView): string[] {
  if (state.log && state.log.taskId === t.id) return state.log.lines;
  return t.failure?.tail ?? [];
}

export function logPane(state: ViewState, layout: FrameLayout, t: TaskView | undefined, lines: string[], g: Glyphs): PaneModel {
  const { width: w, body } = layout.log;
  const path = t ? (t.failure?.logPath ?? t.logPath ?? '') : '';
  const rest: Line = t
    ? [seg(`  ${t.id}`, 'title', { bold: true }), seg(` (${displayState(t)})`, STATE_TONE[displayState(t)]), seg(path ? ` ${g.sep} ${truncateMiddle(path, Math.max(10, w - width(t.id) - 24), g.ellipsis)}` : '', 'muted')]
    : [];
  const titleLine = title('LOG', false, g, rest, w);
  if (body === 0) return { id: 'log', width: w, focused: false, title: titleLine, lines: [] };
  if (!t) return { id: 'log', width: w, focused: false, title: titleLine, lines: padLines([fitLine([seg('  select a running or failed task to see its log', 'muted')], w, g.ellipsis)], body, w) };
  if (lines.length === 0) return { id: 'log', width: w, focused: false, title: titleLine, lines: padLines([fitLine([seg('  (no output yet)', 'muted')], w, g.ellipsis)], body, w) };
  const tail = lines.slice(-body).map((l) => fitLine([seg(' '), seg(sanitizeLine(l), displayState(t) === 'failed' ? 'plain' : 'plain')], w, g.ellipsis));
  return { id: 'log', width: w, focused: false, title: titleLine, lines: padLines(tail, body, w) };
}
