/**
 * View state -> FrameModel: every line of the screen as styled segments, already cut to its
 * exact width. Ink components only map segments to <Text>; all decisions about what fits,
 * what is truncated and what collapses into `+N more` are made here, where they can be tested
 * without a terminal. Only visible rows are formatted, so a frame costs the same for 50 or
 * 5,000 tasks (apart from the linear bucketing of detail rows).
 */
import type { NodeUtilisation } from '../executors/executor.js';
import { bar, fit, fmtBytes, fmtDuration, fmtPercent, sanitizeLine, truncateMiddle, width } from './format.js';
import { glyphsFor, type Glyphs } from './glyphs.js';
import { SPLIT_MIN_COLS, computeLayout, splitWidths, type FrameLayout, type PaneDemand } from './layout.js';
import { detailCounts, detailRows, displayState, logTaskFor, needsWork, outputDisplayState, runActive, runningByHost, visibleOutputs } from './selectors.js';
import type { DisplayState, OutputCounts, TaskView, ViewState } from './types.js';
import { emptyOutputCounts } from './types.js';

export type Tone =
  | 'plain'
  | 'ok'
  | 'stale'
  | 'missing'
  | 'running'
  | 'queued'
  | 'failed'
  | 'blocked'
  | 'muted'
  | 'accent'
  | 'warn'
  | 'error'
  | 'title';

export interface Segment {
  text: string;
  tone?: Tone;
  bold?: boolean;
  inverse?: boolean;
}

export type Line = Segment[];

export type PaneId = 'outputs' | 'details' | 'workers' | 'log' | 'help' | 'universes' | 'logview';

export interface PaneModel {
  id: PaneId;
  width: number;
  focused: boolean;
  title: Line;
  /** Exactly the pane's body height, each line exactly `width` columns. */
  lines: Line[];
}

export type FrameBody =
  | { kind: 'stack'; panes: PaneModel[] }
  | { kind: 'split'; leftWidth: number; rightWidth: number; left: PaneModel[]; right: PaneModel[] };

export interface FrameModel {
  cols: number;
  height: number;
  header: Line[];
  body: FrameBody;
  bottom: Line;
}

export interface FrameOptions {
  ascii: boolean;
}

/** How long a message stays in the bottom line. */
export const MESSAGE_MS = 8000;

const STATE_TONE: Record<DisplayState, Tone> = {
  ok: 'ok',
  stale: 'stale',
  missing: 'missing',
  failed: 'failed',
  modified: 'warn',
  unreadable: 'warn',
  running: 'running',
  queued: 'queued',
  blocked: 'blocked',
};

// ---------------------------------------------------------------------------------------------
// Line helpers

const seg = (text: string, tone?: Tone, extra: { bold?: boolean; inverse?: boolean } = {}): Segment => ({
  text,
  ...(tone && tone !== 'plain' ? { tone } : {}),
  ...(extra.bold ? { bold: true } : {}),
  ...(extra.inverse ? { inverse: true } : {}),
});

/** Fit segments into exactly `w` columns: later segments are cut first, the rest is padded. */
export function fitLine(segs: Line, w: number, ellipsis: string): Line {
  const out: Line = [];
  let used = 0;
  for (const s of segs) {
    if (used >= w) break;
    const sw = width(s.text);
    if (used + sw <= w) {
      out.push(s);
      used += sw;
    } else {
      out.push({ ...s, text: fit(s.text, w - used, { ellipsis }).trimEnd() });
      used += width(out[out.length - 1]?.text ?? '');
      break;
    }
  }
  if (used < w) out.push({ text: ' '.repeat(w - used) });
  return out;
}

export const lineText = (l: Line): string => l.map((s) => s.text).join('');

const blank = (w: number): Line => [{ text: ' '.repeat(w) }];

function padLines(lines: Line[], n: number, w: number): Line[] {
  const out = lines.slice(0, n);
  while (out.length < n) out.push(blank(w));
  return out;
}

function title(name: string, focused: boolean, g: Glyphs, rest: Line, w: number): Line {
  const mark = focused ? `${g.cursor} ` : '  ';
  return fitLine([seg(mark, 'accent', { bold: true }), seg(name, 'title', { bold: true, inverse: focused }), ...rest], w, g.ellipsis);
}

/**
 * Choose which `n` of `total` rows to show so the cursor stays visible, reserving the last
 * line for `+N more` when they do not all fit.
 */
export function windowRows(total: number, cursor: number, n: number): { start: number; count: number; more: number } {
  if (total <= n) return { start: 0, count: total, more: 0 };
  const count = Math.max(0, n - 1);
  const c = Math.max(0, Math.min(total - 1, cursor));
  const start = Math.max(0, Math.min(total - count, c - Math.floor(count / 2)));
  return { start, count, more: total - count };
}

function moreLine(hidden: number, above: number, w: number, g: Glyphs, extra = ''): Line {
  const where = above > 0 ? ` (${g.up}${above} ${g.down}${hidden - above})` : '';
  return fitLine([seg(`  +${hidden} more${where}${extra}`, 'muted')], w, g.ellipsis);
}

// ---------------------------------------------------------------------------------------------
// Frame

export function buildFrame(state: ViewState, opts: FrameOptions): FrameModel {
  const g = glyphsFor(opts.ascii);
  const { cols, rows } = state.ui;
  const rowsDetail = detailRows(state);
  const logTask = logTaskFor(state);
  const logLines = logTask ? logLinesFor(state, logTask) : [];
  const demand: PaneDemand = {
    outputs: Math.max(1, visibleOutputs(state).length),
    details: Math.max(1, rowsDetail.length + (state.ui.expandedTask ? 8 : 0)),
    workers: Math.max(1, state.workers.length * workerLinesPerNode(cols >= SPLIT_MIN_COLS ? splitWidths(cols).right : cols)),
    log: logTask ? Math.max(1, logLines.length) : 0,
  };
  const layout = computeLayout(cols, rows, demand);
  const header = headerLines(state, cols, g);
  const bottom = bottomLine(state, cols, g);
  const overlay = overlayPane(state, layout, g);
  if (overlay) return { cols, height: layout.height, header, body: { kind: 'stack', panes: [overlay] }, bottom };

  const outputs = outputsPane(state, layout, g);
  const details = detailsPane(state, layout, rowsDetail, g);
  const workers = workersPane(state, layout, g);
  const log = logPane(state, layout, logTask, logLines, g);
  const body: FrameBody =
    layout.mode === 'split'
      ? { kind: 'split', leftWidth: layout.leftWidth, rightWidth: layout.rightWidth, left: [outputs, details], right: [workers, log] }
      : { kind: 'stack', panes: [outputs, details, workers, log].filter(nonEmpty(layout)) };
  return { cols, height: layout.height, header, body, bottom };
}

const nonEmpty =
  (layout: FrameLayout) =>
  (p: PaneModel): boolean => {
    const box = p.id === 'outputs' ? layout.outputs : p.id === 'details' ? layout.details : p.id === 'workers' ? layout.workers : layout.log;
    return box.body > 0;
  };

// ---------------------------------------------------------------------------------------------
// Header

function headerLines(state: ViewState, w: number, g: Glyphs): Line[] {
  const sep = seg(` ${g.sep} `, 'muted');
  const n = state.universes.length;
  const f = state.universeFilter;
  const universes = f.length === 0 ? `${n} universe${n === 1 ? '' : 's'}` : `universes ${f.length}/${n}: ${f.join(', ')}`;
  const l1: Line = [
    seg(' lc ', 'accent', { bold: true }),
    seg(state.projectName || '(no project)', 'title', { bold: true }),
    sep,
    seg(universes, f.length ? 'warn' : 'plain'),
    sep,
    seg(`executor ${state.executor}`),
    sep,
    ...schedulerSegs(state, g),
  ];
  return [fitLine(l1, w, g.ellipsis), fitLine(runSegs(state, g), w, g.ellipsis)];
}

function schedulerSegs(state: ViewState, g: Glyphs): Line {
  const s = state.scheduler;
  switch (s.state) {
    case 'none':
      return [seg('scheduler none', 'muted')];
    case 'starting':
      return [seg('scheduler starting', 'warn')];
    case 'stopping':
      return [seg('scheduler stopping', 'warn')];
    case 'running': {
      const parts = [`${s.workers} worker${s.workers === 1 ? '' : 's'}`];
      if (s.startedAt !== undefined) parts.push(`up ${fmtDuration((state.now - s.startedAt) / 1000)}`);
      if (s.idleDeadline !== undefined) parts.push(`idle stop in ${fmtDuration(Math.max(0, (s.idleDeadline - state.now) / 1000))}`);
      return [
        seg(s.external ? 'external scheduler ' : 'scheduler ', 'plain'),
        seg(s.address, 'ok'),
        seg(` ${g.sep} ${parts.join(', ')}`, 'muted'),
      ];
    }
  }
}

function runSegs(state: ViewState, g: Glyphs): Line {
  const r = state.run;
  const who: Line =
    r.owner === 'attached' && r.holder ? [seg(` lc run pid ${r.holder.pid} on ${r.holder.host} `, 'accent'), seg('(attached) ', 'muted')] : [seg(' ')];
  if (!state.statusLoaded && r.phase === 'idle') return [seg(` reading status${g.dots}`, 'muted')];
  const elapsed = r.startedAt !== undefined && r.phase !== 'finished' ? Math.max(0, (state.now - r.startedAt) / 1000) : r.elapsedS;
  switch (r.phase) {
    case 'idle': {
      const todo = needsWork(state);
      return todo === 0
        ? [seg(' idle ', 'plain'), seg(`${g.sep} everything up to date`, 'ok')]
        : [seg(' idle ', 'plain'), seg(`${g.sep} ${todo} task${todo === 1 ? '' : 's'} need work (r runs them)`, 'stale')];
    }
    case 'starting':
      return [...who, seg(r.owner === 'attached' ? `waiting for the run plan${g.dots}` : `starting run${g.dots}`, 'warn')];
    case 'running':
    case 'cancelling': {
      const frac = r.planned > 0 ? r.done / r.planned : 0;
      const segs: Line = [
        ...who,
        seg(r.phase === 'cancelling' ? 'cancelling ' : 'running ', r.phase === 'cancelling' ? 'warn' : 'running', { bold: true }),
        seg(`${r.done}/${r.planned} `),
        seg(bar(frac, 12, g.barFull, g.barEmpty), 'running'),
        seg(` ${g.sep} ${r.running} running`, 'running'),
      ];
      if (r.failed) segs.push(seg(` ${g.sep} ${r.failed} failed`, 'failed'));
      segs.push(seg(` ${g.sep} ${fmtDuration(elapsed)} elapsed`, 'muted'));
      segs.push(seg(` ${g.sep} ETA ${r.etaS === null ? '?' : fmtDuration(r.etaS)}`, 'muted'));
      return segs;
    }
    case 'finished': {
      const f = r.finished;
      if (!f) return [...who, seg('finished')];
      const bad = f.failed + f.blocked + f.cancelled > 0;
      const segs: Line = [...who, seg(`finished in ${fmtDuration(f.wallS)}: `, bad ? 'warn' : 'ok'), seg(`${f.succeeded} ok`, 'ok')];
      if (f.failed) segs.push(seg(` ${g.sep} ${f.failed} failed`, 'failed'));
      if (f.blocked) segs.push(seg(` ${g.sep} ${f.blocked} blocked`, 'blocked'));
      if (f.cancelled) segs.push(seg(` ${g.sep} ${f.cancelled} cancelled`, 'warn'));
      if (r.upToDate) segs.push(seg(` ${g.sep} ${r.upToDate} up to date`, 'muted'));
      const todo = needsWork(state);
      if (todo) segs.push(seg(` ${g.sep} ${todo} need work`, 'stale'));
      return segs;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Outputs pane

const TYPE_W = 7;
const COUNT_W = 6;
const COUNT_COLS: { key: Exclude<keyof OutputCounts, 'total'>; label: string; tone: Tone }[] = [
  { key: 'ok', label: 'ok', tone: 'ok' },
  { key: 'stale', label: 'stale', tone: 'stale' },
  { key: 'missing', label: 'miss', tone: 'missing' },
  { key: 'running', label: 'run', tone: 'running' },
  { key: 'failed', label: 'fail', tone: 'failed' },
];
const PROGRESS_W = 13;
const PROGRESS_MIN_PANE = 72;
const MAX_INDENT = 4;

function outputsPane(state: ViewState, layout: FrameLayout, g: Glyphs): PaneModel {
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

  if (list.length === 0) {
    const why = state.outputs.length === 0 ? (state.projectName ? 'no outputs with a recipe in this project' : `loading project${g.dots}`) : `no output matches /${state.ui.nameFilter}`;
    return { id: 'outputs', width: w, focused, title: titleLine, lines: padLines([fitLine([seg(`  ${why}`, 'muted')], w, g.ellipsis)], body, w) };
  }

  const cursor = list.findIndex((o) => o.qid === state.ui.selectedOutput);
  const win = windowRows(list.length, cursor, body);
  const lines: Line[] = [];
  const runOn = state.run.phase === 'running' || state.run.phase === 'cancelling';
  for (let i = win.start; i < win.start + win.count; i++) {
    const o = list[i];
    if (!o) continue;
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
    lines.push(fitLine(segs, w, g.ellipsis));
  }
  if (win.more) lines.push(moreLine(win.more, win.start, w, g));
  return { id: 'outputs', width: w, focused, title: titleLine, lines: padLines(lines, body, w) };
}

function progressSegs(state: ViewState, qid: string, runOn: boolean, g: Glyphs): Line {
  const p = state.runProgress.get(qid);
  if (!runOn || !p || p.planned === 0) return [seg(fit('', PROGRESS_W))];
  const pct = fit(fmtPercent((100 * p.done) / p.planned), 4, { align: 'right' });
  return [seg('  '), seg(bar(p.done / p.planned, 7, g.barFull, g.barEmpty), 'running'), seg(pct, 'muted')];
}

// ---------------------------------------------------------------------------------------------
// Details pane

const STATE_W = 11;
const DUR_W = 7;
const HOST_MIN_PANE = 70;

function detailsPane(state: ViewState, layout: FrameLayout, rows: TaskView[], g: Glyphs): PaneModel {
  const { width: w, body } = layout.details;
  const focused = state.ui.focus === 'details' && state.ui.overlay.kind === 'none';
  const sel = state.ui.selectedOutput;
  const out = sel !== null ? state.outputs.find((o) => o.qid === sel) : undefined;
  const titleRest: Line = out
    ? [
        seg(`  ${truncateMiddle(out.qid, 40, g.ellipsis)}`, 'title', { bold: true }),
        seg(` ${g.sep} ${out.type}`, 'muted'),
        seg(out.needs.length ? ` ${g.sep} needs ${out.needs.join(', ')}` : ` ${g.sep} no upstream outputs`, 'muted'),
      ]
    : [seg(`  all outputs${state.statusLoaded ? ` ${g.sep} ${rows.length} task${rows.length === 1 ? '' : 's'} need work` : ''}`, 'muted')];
  const titleLine = title('DETAILS', focused, g, titleRest, w);
  if (body === 0) return { id: 'details', width: w, focused, title: titleLine, lines: [] };

  if (rows.length === 0 || (!state.statusLoaded && state.run.phase === 'idle')) {
    const why = !state.statusLoaded ? `reading status${g.dots}` : sel === null ? 'nothing to do: every output is up to date' : 'no tasks in the shown universes';
    return { id: 'details', width: w, focused, title: titleLine, lines: padLines([fitLine([seg(`  ${why}`, 'muted')], w, g.ellipsis)], body, w) };
  }

  const showHost = w >= HOST_MIN_PANE;
  const byId = sel === null;
  // Widths from the project's longest names (not the rows shown), so columns never jitter.
  const longest = byId ? state.longestTaskId : state.longestUniverse;
  const nameW = Math.max(8, Math.min(byId ? 36 : 24, longest, Math.floor(w / 3)));
  const cursorIdx = Math.max(0, rows.findIndex((t) => t.id === state.ui.selectedTask));
  const expanded = state.ui.expandedTask;
  const expandedLines = expanded ? expandedDetail(state, rows.find((t) => t.id === expanded), w, g) : [];
  const win = windowRows(rows.length, cursorIdx, Math.max(1, body - expandedLines.length));
  const lines: Line[] = [];
  for (let i = win.start; i < win.start + win.count; i++) {
    const t = rows[i];
    if (!t) continue;
    const d = displayState(t);
    const isCursor = i === cursorIdx;
    const duration = d === 'running' && t.startedAt !== undefined ? (state.now - t.startedAt) / 1000 : t.durationS;
    const segs: Line = [
      seg(isCursor ? g.cursor : ' ', 'accent', { bold: true }),
      seg(g.state[d], STATE_TONE[d]),
      seg(' '),
      seg(fit(byId ? t.id : t.universe, nameW, { middle: true, ellipsis: g.ellipsis }), isCursor ? 'title' : 'plain', {
        bold: isCursor,
        inverse: isCursor && focused,
      }),
      seg(' '),
      seg(fit(d, STATE_W), STATE_TONE[d]),
      seg(fit(fmtDuration(duration), DUR_W, { align: 'right' }), 'muted'),
      seg(' '),
    ];
    if (showHost) segs.push(seg(fit(t.host ?? '', 12, { middle: true, ellipsis: g.ellipsis }) + ' ', 'muted'));
    const used = segs.reduce((n, s) => n + width(s.text), 0);
    segs.push(...taskInfo(t, d, Math.max(0, w - used), g));
    lines.push(fitLine(segs, w, g.ellipsis));
    if (t.id === expanded) lines.push(...expandedLines);
  }
  if (win.more) lines.push(moreLine(win.more, win.start, w, g, hiddenSummary(detailCounts(state), rows, win.start, win.count)));
  return { id: 'details', width: w, focused, title: titleLine, lines: padLines(lines, body, w) };
}

/** `: 800 ok, 3 stale` for the rows a window hides: all counts minus the few rows shown. */
function hiddenSummary(all: Partial<Record<DisplayState, number>>, rows: TaskView[], start: number, count: number): string {
  const n = new Map<DisplayState, number>();
  for (const [d, k] of Object.entries(all) as [DisplayState, number][]) n.set(d, k);
  for (let i = start; i < start + count; i++) {
    const t = rows[i];
    if (!t) continue;
    const d = displayState(t);
    n.set(d, (n.get(d) ?? 0) - 1);
  }
  return `: ${[...n].filter(([, k]) => k > 0).map(([d, k]) => `${k} ${d}`).join(', ')}`;
}

/** The free-text column of a details row, in words. */
function taskInfo(t: TaskView, d: DisplayState, w: number, g: Glyphs): Line {
  if (w <= 0) return [];
  switch (d) {
    case 'failed': {
      const f = t.failure;
      if (!f) return [seg('failed', 'failed')];
      const why = f.reason === 'exit' || f.reason === 'signal' ? (f.signal ? `killed by ${f.signal}` : `exit ${f.exitCode ?? '?'}`) : f.reason.replace(/_/g, ' ');
      const head = `${why} ${g.sep} log `;
      return [seg(head, 'failed'), seg(truncateMiddle(f.logPath, Math.max(0, w - width(head)), g.ellipsis), 'muted')];
    }
    case 'running':
      return t.logPath ? [seg('log ', 'muted'), seg(truncateMiddle(t.logPath, Math.max(0, w - 4), g.ellipsis), 'muted')] : [];
    case 'blocked':
      return [seg(`blocked by ${t.blockedBy ?? 'a failed upstream task'}`, 'blocked')];
    case 'ok':
      return [];
    default:
      return [seg(t.reasons.length ? t.reasons.map((r) => r.detail).join('; ') : d === 'missing' ? 'never ran' : '', d === 'missing' ? 'muted' : 'stale')];
  }
}

function expandedDetail(state: ViewState, t: TaskView | undefined, w: number, g: Glyphs): Line[] {
  if (!t) return [];
  const out: Line[] = [];
  const add = (text: string, tone: Tone = 'muted'): void => {
    out.push(fitLine([seg('      '), seg(text, tone)], w, g.ellipsis));
  };
  add(`task ${t.id}`, 'plain');
  for (const r of t.reasons) add(`${g.state.stale} ${r.detail}`, 'stale');
  if (t.failure) {
    const f = t.failure;
    add(`failed: ${f.reason}${f.exitCode !== null ? `, exit code ${f.exitCode}` : ''}${f.signal ? `, signal ${f.signal}` : ''}`, 'failed');
  }
  const logPath = t.failure?.logPath ?? t.logPath;
  if (logPath) out.push(fitLine([seg('      log '), seg(truncateMiddle(logPath, Math.max(0, w - 10), g.ellipsis), 'muted')], w, g.ellipsis));
  if (t.host) add(`host ${t.host}${t.durationS !== null ? `, last duration ${fmtDuration(t.durationS)}` : ''}`);
  if (t.live === 'running' && t.startedAt !== undefined) add(`running for ${fmtDuration((state.now - t.startedAt) / 1000)}`, 'running');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Workers pane

function workersPane(state: ViewState, layout: FrameLayout, g: Glyphs): PaneModel {
  const { width: w, body } = layout.workers;
  const focused = state.ui.focus === 'workers' && state.ui.overlay.kind === 'none';
  const nodes = state.workers;
  let inUse = 0;
  let total = 0;
  for (const n of nodes) {
    inUse += n.cpusInUse;
    total += n.cpusTotal;
  }
  const summary = `  ${nodes.length} node${nodes.length === 1 ? '' : 's'} ${g.sep} cpus ${fmtNum(inUse)}/${fmtNum(total)} in use`;
  const titleLine = title('WORKERS', focused, g, nodes.length ? [seg(summary, 'muted')] : [], w);
  if (body === 0) return { id: 'workers', width: w, focused, title: titleLine, lines: [] };
  if (nodes.length === 0) return { id: 'workers', width: w, focused, title: titleLine, lines: padLines([fitLine([seg(`  waiting for the first utilisation snapshot${g.dots}`, 'muted')], w, g.ellipsis)], body, w) };

  const perNode = workerLinesPerNode(w);
  const twoLine = perNode === 2;
  const hasGpu = nodes.some((n) => n.gpuPercent.length > 0);
  const fitsAll = nodes.length * perNode <= body;
  const capacity = fitsAll ? nodes.length : Math.max(1, Math.floor((body - 1) / perNode));
  const start = fitsAll ? 0 : Math.max(0, Math.min(nodes.length - capacity, state.ui.workerCursor - Math.floor(capacity / 2)));
  const win = { start, count: capacity, more: nodes.length - capacity };
  const lines: Line[] = [];
  const fromEvents = state.run.owner === 'attached' ? runningByHost(state) : undefined;
  for (let i = win.start; i < win.start + win.count; i++) {
    const reported = nodes[i];
    if (!reported) continue;
    const derived = reported.runningTasks.length === 0 ? fromEvents?.get(reported.host) : undefined;
    const n = derived ? { ...reported, runningTasks: derived } : reported;
    const isCursor = focused && i === state.ui.workerCursor;
    lines.push(...(twoLine ? workerTwoLines(n, w, hasGpu, isCursor, g) : [workerLine(n, w, hasGpu, isCursor, g)]));
  }
  if (win.more) lines.push(moreLine(win.more, win.start, w, g, ' nodes'));
  return { id: 'workers', width: w, focused, title: titleLine, lines: padLines(lines, body, w) };
}

/** Narrow panes show a node on two lines (name and slots, then bars). */
const workerLinesPerNode = (w: number): number => (w < 76 ? 2 : 1);

const fmtNum = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(1));

function cpuSegs(n: NodeUtilisation, bw: number, g: Glyphs): Line {
  return [
    seg('cpu ', 'muted'),
    seg(bar(n.cpuPercent / 100, bw, g.barFull, g.barEmpty), loadTone(n.cpuPercent)),
    seg(fit(fmtPercent(n.cpuPercent), 5, { align: 'right' })),
  ];
}

function memSegs(n: NodeUtilisation, bw: number, g: Glyphs): Line {
  const frac = n.memoryTotalBytes > 0 ? n.memoryUsedBytes / n.memoryTotalBytes : 0;
  return [
    seg(' mem ', 'muted'),
    seg(bar(frac, bw, g.barFull, g.barEmpty), loadTone(frac * 100)),
    seg(fit(` ${fmtBytes(n.memoryUsedBytes)}/${fmtBytes(n.memoryTotalBytes)}`, 12)),
  ];
}

function gpuSegs(n: NodeUtilisation, hasGpu: boolean): Line {
  if (!hasGpu) return [];
  if (n.gpuPercent.length === 0) return [seg(fit(' gpu -', 10), 'muted')];
  const avg = n.gpuPercent.reduce((a, b) => a + b, 0) / n.gpuPercent.length;
  return [seg(' gpu ', 'muted'), seg(fit(fmtPercent(avg), 5, { align: 'right' }), loadTone(avg))];
}

const loadTone = (pct: number): Tone => (pct >= 90 ? 'failed' : pct >= 70 ? 'warn' : 'ok');

function workerLine(n: NodeUtilisation, w: number, hasGpu: boolean, isCursor: boolean, g: Glyphs): Line {
  const hostW = 14;
  const bw = w >= 110 ? 12 : 8;
  const segs: Line = [
    seg(isCursor ? g.cursor : ' ', 'accent'),
    seg(fit(n.host, hostW, { middle: true, ellipsis: g.ellipsis }) + ' ', 'title', { bold: isCursor }),
    ...cpuSegs(n, bw, g),
    ...memSegs(n, bw, g),
    ...gpuSegs(n, hasGpu),
    seg(` cpus ${fit(`${fmtNum(n.cpusInUse)}/${fmtNum(n.cpusTotal)}`, 7)}`, 'muted'),
    seg(`${n.runningTasks.length} running`, n.runningTasks.length ? 'running' : 'muted'),
  ];
  const used = segs.reduce((a, s) => a + width(s.text), 0);
  if (n.runningTasks.length && w - used > 4) segs.push(seg(`: ${truncateMiddle(n.runningTasks.join(', '), w - used - 2, g.ellipsis)}`, 'muted'));
  return fitLine(segs, w, g.ellipsis);
}

function workerTwoLines(n: NodeUtilisation, w: number, hasGpu: boolean, isCursor: boolean, g: Glyphs): Line[] {
  const bw = Math.max(4, Math.min(10, Math.floor((w - 32 - (hasGpu ? 10 : 0)) / 2)));
  const l1: Line = [
    seg(isCursor ? g.cursor : ' ', 'accent'),
    seg(truncateMiddle(n.host, Math.max(8, w - 30), g.ellipsis), 'title', { bold: isCursor }),
    seg(`  cpus ${fmtNum(n.cpusInUse)}/${fmtNum(n.cpusTotal)}`, 'muted'),
    seg(` ${g.sep} ${n.runningTasks.length} running`, n.runningTasks.length ? 'running' : 'muted'),
  ];
  const l2: Line = [seg('   '), ...cpuSegs(n, bw, g), ...memSegs(n, bw, g), ...gpuSegs(n, hasGpu)];
  return [fitLine(l1, w, g.ellipsis), fitLine(l2, w, g.ellipsis)];
}

// ---------------------------------------------------------------------------------------------
// Log pane

function logLinesFor(state: ViewState, t: TaskView): string[] {
  if (state.log && state.log.taskId === t.id) return state.log.lines;
  return t.failure?.tail ?? [];
}

function logPane(state: ViewState, layout: FrameLayout, t: TaskView | undefined, lines: string[], g: Glyphs): PaneModel {
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

// ---------------------------------------------------------------------------------------------
// Overlays: help, full log, universe picker

function overlayPane(state: ViewState, layout: FrameLayout, g: Glyphs): PaneModel | undefined {
  const o = state.ui.overlay;
  const w = layout.cols;
  const body = layout.bodyHeight - 1;
  if (o.kind === 'help') return helpPane(w, body, g);
  if (o.kind === 'universes') return universesPane(state, o.cursor, o.picked, w, body, g);
  if (o.kind === 'log') return logViewPane(state, w, body, g);
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
    ['', 'u', 'pick universes (space toggles, a all, enter applies)'],
    ['', 'l', 'full log of the selected task (scroll, q leaves)'],
    ['screen', '?', 'this help'],
    ['', 'q', 'quit (asks during a run; the session scheduler stays up)'],
    ['', 'Ctrl-C', 'cancel the run; again: quit'],
  ];
}

function helpPane(w: number, body: number, g: Glyphs): PaneModel {
  const s = g.state;
  const lines: Line[] = helpEntries(g).map(([grp, k, d]) =>
    fitLine([seg(` ${fit(grp, 7)}`, 'accent', { bold: true }), seg(fit(k, 8), 'title', { bold: true }), seg(d)], w, g.ellipsis),
  );
  const states: [string, string, Tone][] = [
    [s.ok, 'ok', 'ok'],
    [s.stale, 'stale', 'stale'],
    [s.missing, 'missing', 'missing'],
    [s.running, 'running', 'running'],
    [s.queued, 'queued', 'queued'],
    [s.failed, 'failed', 'failed'],
    [s.blocked, 'blocked', 'blocked'],
    [s.modified, 'modified', 'warn'],
    [s.unreadable, 'unreadable', 'warn'],
  ];
  const stateSegs = states.flatMap(([gl, name, tone]) => [seg(gl, tone), seg(` ${name}  `)]);
  lines.push(fitLine([seg(` ${fit('states', 7)}`, 'accent', { bold: true }), ...stateSegs.slice(0, 10)], w, g.ellipsis));
  lines.push(fitLine([seg(` ${fit('', 7)}`), ...stateSegs.slice(10), seg('(stale counts them too)', 'muted')], w, g.ellipsis));
  const shown = lines.length > body ? [...lines.slice(0, Math.max(0, body - 1)), fitLine([seg(`  +${lines.length - body + 1} more: make the terminal taller`, 'muted')], w, g.ellipsis)] : lines;
  return { id: 'help', width: w, focused: true, title: title('HELP', true, g, [seg('  keys and symbols', 'muted')], w), lines: padLines(shown, body, w) };
}

function universesPane(state: ViewState, cursor: number, picked: string[], w: number, body: number, g: Glyphs): PaneModel {
  const all = state.universes;
  const set = new Set(picked);
  const win = windowRows(all.length, cursor, body);
  const lines: Line[] = [];
  for (let i = win.start; i < win.start + win.count; i++) {
    const u = all[i];
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
  if (win.more) lines.push(moreLine(win.more, win.start, w, g));
  const titleLine = title('UNIVERSES', true, g, [seg(`  ${picked.length}/${all.length} picked`, 'muted')], w);
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

// ---------------------------------------------------------------------------------------------
// Bottom line: confirmation, filter prompt, message, key bar

function bottomLine(state: ViewState, w: number, g: Glyphs): Line {
  const u = state.ui;
  if (u.confirm) return fitLine([seg(` ${u.confirm.question} `, 'warn', { bold: true }), seg(' y', 'title', { bold: true }), seg(' yes  '), seg('n', 'title', { bold: true }), seg(' no')], w, g.ellipsis);
  if (u.filterEditing) return fitLine([seg(' /', 'accent', { bold: true }), seg(u.nameFilter), seg('_', 'accent'), seg(`   ${g.enter} keep  esc clear`, 'muted')], w, g.ellipsis);
  const segs: Line = [];
  const m = u.message;
  if (m && state.now - m.at < MESSAGE_MS) {
    segs.push(seg(` ${m.text} `, m.level === 'error' ? 'error' : m.level === 'warn' ? 'warn' : 'accent', { bold: true }), seg(`${g.sep}`, 'muted'));
  }
  // `? help` and `q quit` always show, at the right end; the context keys fill what is left.
  const tail: [string, string][] = u.overlay.kind === 'none' ? [['q', 'quit'], ['?', 'help']] : [];
  const item = ([k, d]: [string, string]): Line => [seg(` ${k}`, 'title', { bold: true }), seg(` ${d} `, 'muted')];
  const tailW = tail.reduce((a, [k, d]) => a + width(` ${k} ${d} `), 0);
  let budget = w - segs.reduce((a, s) => a + width(s.text), 0) - tailW;
  for (const kd of keyHints(state, g)) {
    const iw = width(` ${kd[0]} ${kd[1]} `);
    if (iw > budget) break;
    segs.push(...item(kd));
    budget -= iw;
  }
  for (const kd of tail) segs.push(...item(kd));
  return fitLine(segs, w, g.ellipsis);
}

/** The context-dependent key bar: what makes sense right now, most useful first. */
export function keyHints(state: ViewState, g: Glyphs): [string, string][] {
  const u = state.ui;
  const ud = `${g.up}${g.down}`;
  switch (u.overlay.kind) {
    case 'help':
      return [['esc', 'close']];
    case 'log':
      return [
        [ud, 'scroll'],
        ['PgUp/PgDn', 'page'],
        ['g/G', 'top/end'],
        ['q', 'back'],
      ];
    case 'universes':
      return [
        [ud, 'move'],
        ['space', 'toggle'],
        ['a', 'all'],
        [g.enter, 'apply'],
        ['esc', 'cancel'],
      ];
    default:
      break;
  }
  const active = runActive(state);
  const keys: [string, string][] = [];
  if (active) keys.push(['x', state.run.owner === 'attached' ? 'cancel that run' : 'cancel run']);
  if (u.focus === 'outputs') {
    if (!active) keys.push(['r', u.selectedOutput === null ? 'run all stale' : 'run'], ['f', 'force']);
    if (u.selectedOutput !== null) keys.push(['v', 'verify'], [g.enter, 'details']);
    keys.push(['/', 'filter'], ['u', 'universes']);
  } else if (u.focus === 'details') {
    keys.push([ud, 'move'], [g.enter, 'expand'], ['l', 'log']);
    if (!active) keys.push(['r', 'run'], ['f', 'force']);
    keys.push(['esc', 'back']);
  } else {
    keys.push([ud, 'move']);
  }
  if (state.scheduler.state === 'running' && !state.scheduler.external) keys.push(['s', 'stop scheduler']);
  keys.push(['tab', 'pane']);
  return keys;
}
