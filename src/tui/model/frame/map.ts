/**
 * The multiverse map: one row per output, one cell per universe, each cell the task's state
 * glyph in its colour, so a sweep of a thousand universes shows at a glance which universes and
 * which stage are stuck. The universes that do not fit scroll with the cursor; the last line
 * says what the cursor's cell is. Cells of one tone are one segment: a frame stays cheap.
 */
import { formatDuration } from '../../../../engine/units.js';
import { fit, sanitizeLine } from '../format.js';
import type { Glyphs } from '../glyphs.js';
import { mapCell, mapUniverses } from '../map.js';
import { displayState } from '../selectors.js';
import type { Overlay, ViewState } from '../types.js';
import { STATE_TONE, fitLine, padLines, seg, title, windowRows, type Line, type PaneModel, type Tone } from './model.js';

const LABEL_MAX = 24;

/** Columns left for cells beside the output labels. */
export const mapCellColumns = (cols: number, state: ViewState): number => Math.max(10, cols - labelWidth(state) - 2);

const labelWidth = (state: ViewState): number => Math.min(LABEL_MAX, Math.max(6, ...state.outputs.map((o) => o.qid.length)));

export function mapPane(state: ViewState, o: Overlay & { kind: 'map' }, w: number, body: number, g: Glyphs): PaneModel {
  const universes = mapUniverses(state, o.sort);
  const outputs = state.outputs;
  const labelW = labelWidth(state);
  const cellsW = mapCellColumns(w, state);
  const col = Math.min(o.col, Math.max(0, universes.length - 1));
  const first = Math.max(0, Math.min(col - Math.floor(cellsW / 2), universes.length - cellsW));
  const shownU = universes.slice(first, first + cellsW);
  const rowsWin = windowRows(outputs.length, o.row, Math.max(1, body - 2));
  const lines: Line[] = [axisLine(first, shownU.length, universes.length, labelW, w, g)];
  for (let r = rowsWin.start; r < rowsWin.start + rowsWin.count; r++) {
    const out = outputs[r];
    if (!out) break;
    const segs: Line = [seg(r === o.row ? g.cursor : ' ', 'accent', { bold: true }), seg(`${fit(out.qid, labelW, { middle: true, ellipsis: g.ellipsis })} `, r === o.row ? 'title' : 'plain')];
    let run: { text: string; tone: Tone } | undefined;
    const flush = () => {
      if (run) segs.push(seg(run.text, run.tone));
      run = undefined;
    };
    shownU.forEach((u, i) => {
      const t = mapCell(state, u, out.qid);
      const d = t ? displayState(t) : undefined;
      const text = d ? g.state[d] : ' ';
      const tone: Tone = d ? STATE_TONE[d] : 'muted';
      if (r === o.row && first + i === col) {
        flush();
        segs.push(seg(text, tone, { inverse: true, bold: true }));
        return;
      }
      if (run && run.tone === tone) run.text += text;
      else {
        flush();
        run = { text, tone };
      }
    });
    flush();
    lines.push(fitLine(segs, w, g.ellipsis));
  }
  const shown = padLines(lines, body - 1, w);
  shown.push(cursorLine(state, universes[col], outputs[o.row]?.qid, universes.length ? col + 1 : 0, universes.length, w, g));
  const rest: Line = [
    seg(`  ${outputs.length} outputs × ${universes.length} universes ${g.sep} ${o.sort === 'name' ? 'by name' : 'stuck first'}`, 'muted'),
    seg(` ${g.sep} s sort ${g.sep} ${g.enter} log ${g.sep} q back`, 'muted'),
  ];
  return { id: 'map', width: w, focused: true, title: title('MAP', true, g, rest, w), lines: shown };
}

/** Where the shown universes sit in the whole sweep. */
function axisLine(first: number, n: number, total: number, labelW: number, w: number, g: Glyphs): Line {
  const range = total === 0 ? 'no universe shown' : `universes ${first + 1}-${first + n} of ${total}${first > 0 ? ` ${g.left}` : ''}${first + n < total ? ` ${g.right}` : ''}`;
  return fitLine([seg(' '), seg(fit('', labelW + 1)), seg(range, 'muted')], w, g.ellipsis);
}

/** What the cursor's cell is: the task, its state, and why (or how it failed). */
function cursorLine(state: ViewState, universe: string | undefined, output: string | undefined, at: number, total: number, w: number, g: Glyphs): Line {
  if (!universe || !output) return fitLine([seg('')], w, g.ellipsis);
  const t = mapCell(state, universe, output);
  const where = `${universe}/${output} (${at} of ${total})`;
  if (!t) return fitLine([seg(` ${where}: `, 'title'), seg('not active in this universe', 'muted')], w, g.ellipsis);
  const d = displayState(t);
  const why =
    d === 'failed'
      ? (t.failure?.tail.at(-1) ?? t.failure?.reason ?? '')
      : d === 'running' && t.startedAt !== undefined
        ? `for ${formatDuration((state.now - t.startedAt) / 1000)}${t.host ? ` on ${t.host}` : ''}`
        : d === 'blocked'
          ? `by ${t.blockedBy ?? 'a failed upstream task'}`
          : (t.reasons[0]?.detail ?? (t.durationS !== null ? `took ${formatDuration(t.durationS)}` : ''));
  return fitLine([seg(` ${where}: `, 'title'), seg(d, STATE_TONE[d], { bold: true }), seg(why ? ` ${g.sep} ${sanitizeLine(why)}` : '', 'muted')], w, g.ellipsis);
}
