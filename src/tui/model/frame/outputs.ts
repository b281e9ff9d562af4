/** The outputs pane: the DAG's outputs in layer order with tree connectors and per-state counts. */
import { bar, fit, fmtPercent, width } from '../format.js';
import type { Glyphs } from '../glyphs.js';
import type { FrameLayout } from '../layout.js';
import { outputDisplayState, visibleOutputs } from '../selectors.js';
import { emptyOutputCounts, type OutputCounts, type OutputInfo, type ViewState } from '../types.js';
import { listPane } from './list-pane.js';
import { STATE_TONE, fitLine, seg, title, type Line, type PaneModel, type Tone } from './model.js';

const TYPE_W = 7;
const COUNT_W = 6;
const COUNT_COLS: { key: Exclude<keyof OutputCounts, 'total'>; label: string; tone: Tone }[] = [
  { key: 'ok', label: 'ok', tone: 'ok' },
  { key: 'stale', label: 'stale', tone: 'stale' },
  { key: 'missing', label: 'miss', tone: 'missing' },
  // running or queued: what the run still has of this output (the header splits the two)
  { key: 'running', label: 'in run', tone: 'running' },
  { key: 'failed', label: 'fail', tone: 'failed' },
];
const PROGRESS_W = 13;
const PROGRESS_MIN_PANE = 72;
const MAX_INDENT = 4;

export function outputsPane(state: ViewState, layout: FrameLayout, g: Glyphs): PaneModel {
  const { width: w, body } = layout.outputs;
  const focused = state.ui.focus === 'outputs' && state.ui.overlay.kind === 'none';
  const list = visibleOutputs(state);
  const showProgress = w >= PROGRESS_MIN_PANE;
  const maxLayer = Math.min(MAX_INDENT, list.reduce((m, o) => Math.max(m, o.layer), 0));
  const prefixW = maxLayer * 2;
  const countsW = COUNT_COLS.length * COUNT_W;
  const nameW = Math.max(6, w - 1 - prefixW - 2 - 1 - TYPE_W - countsW - (showProgress ? PROGRESS_W : 0));

  // Column labels sit exactly above the row columns: cursor, tree, glyph, name, then `type`.
  const typeCol = 1 + prefixW + 2 + nameW + 1;
  const filter = state.ui.nameFilter ? ` /${state.ui.nameFilter}` : '';
  const label = fit(`OUTPUTS${filter}`, Math.max(7, typeCol - 3), { ellipsis: g.ellipsis }).trimEnd();
  const titleLine = title(label, focused, g, [
    seg(' '.repeat(Math.max(1, typeCol - 2 - width(label)))),
    seg(fit('type', TYPE_W), 'muted'),
    ...COUNT_COLS.map((c) => seg(fit(c.label, COUNT_W, { align: 'right' }), 'muted')),
    ...(showProgress ? [seg(fit('  progress', PROGRESS_W), 'muted')] : []),
  ], w);

  const empty =
    list.length > 0
      ? null
      : state.outputs.length === 0
        ? state.projectName
          ? 'no outputs with a recipe in this project'
          : `loading project${g.dots}`
        : `no output matches /${state.ui.nameFilter}`;
  const runOn = state.run.phase === 'running' || state.run.phase === 'cancelling';
  const row = (o: OutputInfo, i: number): Line[] => {
    const next = list[i + 1];
    const lvl = Math.min(o.layer, MAX_INDENT);
    const connector = lvl === 0 ? '' : '  '.repeat(lvl - 1) + (next && Math.min(next.layer, MAX_INDENT) === lvl ? g.tee : g.elbow);
    const c = state.counts.get(o.qid) ?? emptyOutputCounts();
    const ds = state.statusLoaded || runOn ? outputDisplayState(c) : 'none';
    const selected = o.qid === state.ui.selectedOutput;
    const segs: Line = [
      seg(selected ? g.cursor : ' ', 'accent', { bold: true }),
      // The tree cell (connector, glyph, name) has a fixed width; deeper rows get shorter names.
      seg(connector, 'muted'),
      seg(g.state[ds], ds === 'none' ? 'muted' : STATE_TONE[ds]),
      seg(' '),
      seg(fit(o.qid, prefixW + nameW - width(connector), { middle: true, ellipsis: g.ellipsis }), selected ? 'title' : 'plain', {
        bold: selected,
        inverse: selected && focused,
      }),
      seg(' '),
      seg(fit(o.type, TYPE_W), 'muted'),
    ];
    for (const cc of COUNT_COLS) {
      const v = cc.key === 'running' ? c.running + c.queued : c[cc.key];
      const txt = state.statusLoaded || runOn ? (v === 0 ? g.state.queued : String(v)) : '';
      segs.push(seg(fit(txt, COUNT_W, { align: 'right' }), v === 0 ? 'muted' : cc.tone));
    }
    if (showProgress) segs.push(...progressSegs(state, o.qid, runOn, g));
    return [fitLine(segs, w, g.ellipsis)];
  };
  const cursor = list.findIndex((o) => o.qid === state.ui.selectedOutput);
  return listPane({ id: 'outputs', width: w, body, focused, title: titleLine, items: list, empty, cursor, render: row }, g);
}

function progressSegs(state: ViewState, qid: string, runOn: boolean, g: Glyphs): Line {
  const p = state.runProgress.get(qid);
  if (!runOn || !p || p.planned === 0) return [seg(fit('', PROGRESS_W))];
  const pct = fit(fmtPercent((100 * p.done) / p.planned), 4, { align: 'right' });
  return [seg('  '), seg(bar(p.done / p.planned, 7, g.barFull, g.barEmpty), 'running'), seg(pct, 'muted')];
}
