/**
 * The results view of a metric output: its specification curve drawn with half blocks (two
 * values per character row), the values sorted left to right, those of outputs that are not ok
 * grey; beneath it the choices of each universe, one row per decision option; the last line is
 * the cursor's universe with its value and where it came from (data version, when, where).
 * More universes than columns are sampled evenly along the sorted curve.
 */
import { formatDuration } from '../../../../engine/units.js';
import { fit } from '../format.js';
import type { Glyphs } from '../glyphs.js';
import { curveOf, numericMetrics, shownMetric, type CurveEntry } from '../results.js';
import type { Overlay, ViewState } from '../types.js';
import { fitLine, padLines, seg, title, type Line, type PaneModel, type Tone } from './model.js';

const LABEL_MAX = 22;

export function resultsPane(state: ViewState, o: Overlay & { kind: 'results' }, w: number, body: number, g: Glyphs): PaneModel {
  const r = state.results;
  const metric = shownMetric(state, o.metric);
  const metrics = numericMetrics(state);
  const head: Line = [seg(`  ${r?.output ?? ''}`, 'title', { bold: true })];
  if (metric) head.push(seg(` ${g.sep} ${metric}${metrics.length > 1 ? ` (tab: next of ${metrics.length})` : ''}`, 'muted'));
  const titleLine = title('RESULTS', true, g, [...head, seg(` ${g.sep} ${g.left}${g.right} move ${g.sep} q back`, 'muted')], w);
  if (!r || !metric) return { id: 'results', width: w, focused: true, title: titleLine, lines: padLines([fitLine([seg(r ? '  no universe has a number for this output yet' : `  reading the values${g.dots}`, 'muted')], w, g.ellipsis)], body, w) };
  const curve = curveOf(state, metric);
  const options = optionRows(curve);
  const labelW = Math.min(LABEL_MAX, Math.max(8, ...options.map((x) => x.label.length), ...[curve[0], curve.at(-1)].map((c) => (c ? fmt(c.value).length : 0))));
  const avail = Math.max(1, w - labelW - 2);
  const cols = Math.min(curve.length, avail);
  // few universes: each takes up to four columns, so the curve is not a narrow stripe
  const colW = Math.max(1, Math.min(4, Math.floor(avail / Math.max(1, cols))));
  const shown = Array.from({ length: cols }, (_, j) => Math.floor((j * curve.length) / cols));
  const cursor = Math.max(0, Math.min(curve.length - 1, o.cursor));
  const cursorCol = shown.findIndex((i, j) => cursor >= i && cursor < (shown[j + 1] ?? curve.length));
  const matrixRows = Math.min(options.length, Math.max(0, body - 6));
  // a curve taller than this says nothing more: the rest of the pane stays free
  const plotH = Math.max(2, Math.min(14, body - matrixRows - 2));
  const lines: Line[] = [
    ...plotLines(curve, shown, cursorCol, plotH, labelW, colW, w, g),
    ...matrixLines(curve, shown, cursorCol, options.slice(0, matrixRows), labelW, colW, w, g),
  ];
  const shownLines = padLines(lines, body - 1, w);
  shownLines.push(infoLine(state, curve[cursor], cursor, curve.length, metric, w, g));
  return { id: 'results', width: w, focused: true, title: titleLine, lines: shownLines };
}

function plotLines(curve: CurveEntry[], shown: number[], cursorCol: number, h: number, labelW: number, colW: number, w: number, g: Glyphs): Line[] {
  const min = curve[0]?.value ?? 0;
  const max = curve.at(-1)?.value ?? 0;
  const levels = 2 * h;
  const level = (v: number) => (max === min ? Math.floor(levels / 2) : Math.round(((v - min) / (max - min)) * (levels - 1)));
  const lines: Line[] = [];
  for (let row = 0; row < h; row++) {
    const label = row === 0 ? fmt(max) : row === h - 1 ? fmt(min) : '';
    const segs: Line = [seg(`${fit(label, labelW, { align: 'right' })} `, 'muted'), seg('│', 'muted')];
    shown.forEach((i, j) => {
      const e = curve[i] as CurveEntry;
      const y = level(e.value);
      const r = h - 1 - Math.floor(y / 2);
      const text = r !== row ? ' ' : y % 2 === 1 ? '▀' : '▄';
      const tone: Tone = e.state === 'ok' ? 'accent' : 'muted';
      segs.push(seg(text, tone, { inverse: j === cursorCol }), seg(' '.repeat(colW - 1)));
    });
    lines.push(fitLine(segs, w, g.ellipsis));
  }
  return lines;
}

interface OptionRow {
  label: string;
  decision: string;
  option: string;
}

function optionRows(curve: CurveEntry[]): OptionRow[] {
  const seen = new Map<string, OptionRow>();
  for (const e of curve) for (const [d, opt] of Object.entries(e.row.choices)) seen.set(`${d}\u0000${opt}`, { label: `${d}: ${opt}`, decision: d, option: opt });
  return [...seen.values()].sort((a, b) => (a.label < b.label ? -1 : 1));
}

function matrixLines(curve: CurveEntry[], shown: number[], cursorCol: number, rows: OptionRow[], labelW: number, colW: number, w: number, g: Glyphs): Line[] {
  return rows.map((o) => {
    const segs: Line = [seg(`${fit(o.label, labelW, { middle: true, ellipsis: g.ellipsis })} `, 'muted'), seg('│', 'muted')];
    shown.forEach((i, j) => {
      const e = curve[i] as CurveEntry;
      const on = e.row.choices[o.decision] === o.option;
      segs.push(seg(on ? '●' : '·', on ? (e.state === 'ok' ? 'plain' : 'muted') : 'muted', { inverse: j === cursorCol }), seg(' '.repeat(colW - 1)));
    });
    return fitLine(segs, w, g.ellipsis);
  });
}

/** The cursor's universe: its value, its state, and where the value came from. */
function infoLine(state: ViewState, e: CurveEntry | undefined, at: number, n: number, metric: string, w: number, g: Glyphs): Line {
  if (!e) return fitLine([seg('')], w, g.ellipsis);
  const r = e.row;
  const when = r.finishedAt ? `made ${formatDuration(Math.max(0, (state.now - Date.parse(r.finishedAt)) / 1000))} ago` : '';
  const parts = [r.dataVersion ? r.dataVersion.slice(0, 19) : '', when, r.host ? `on ${r.host}` : ''].filter(Boolean).join(' ');
  return fitLine(
    [
      seg(` ${r.universe} (${at + 1} of ${n}): `, 'title'),
      seg(`${metric} ${fmt(e.value)} `, 'plain', { bold: true }),
      seg(e.state, e.state === 'ok' ? 'ok' : 'warn'),
      seg(e.state === 'ok' ? '' : ' (not current)', 'warn'),
      seg(parts ? ` ${g.sep} ${parts}` : '', 'muted'),
    ],
    w,
    g.ellipsis,
  );
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(5)));
}
