/** The details pane: one row per task of the selected output (or every task that needs work). */
import { formatDuration } from '../../../../engine/units.js';
import { fit, truncateMiddle, width, wrapText } from '../format.js';
import type { Glyphs } from '../glyphs.js';
import type { FrameLayout } from '../layout.js';
import { detailCounts, displayState } from '../selectors.js';
import type { DisplayState, TaskView, ViewState } from '../types.js';
import { listPane } from './list-pane.js';
import { STATE_TONE, fitLine, seg, title, type Line, type PaneModel, type Tone } from './model.js';

const STATE_W = 11;
const DUR_W = 7;
const HOST_MIN_PANE = 70;

export function detailsPane(state: ViewState, layout: FrameLayout, rows: TaskView[], g: Glyphs): PaneModel {
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
    : [seg(`  ${allTitle(state, rows.length, g)}`, 'muted')];
  const titleLine = title('DETAILS', focused, g, titleRest, w);
  const empty =
    rows.length > 0 && (state.statusLoaded || state.run.phase !== 'idle')
      ? null
      : !state.statusLoaded
        ? `reading status${g.dots}`
        : sel === null
          ? 'nothing to do: every output is up to date'
          : 'no tasks in the shown universes';
  const showHost = w >= HOST_MIN_PANE;
  const byId = sel === null;
  // Widths from the project's longest names (not the rows shown), so columns never jitter.
  const longest = byId ? state.longestTaskId : state.longestUniverse;
  const nameW = Math.max(8, Math.min(byId ? 36 : 24, longest, Math.floor(w / 3)));
  const cursorIdx = Math.max(0, rows.findIndex((t) => t.id === state.ui.selectedTask));
  const expanded = state.ui.expandedTask;
  const expandedLines = expanded ? expandedDetail(state, rows.find((t) => t.id === expanded), w, g) : [];
  const row = (t: TaskView, i: number): Line[] => {
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
      // a running attempt's time so far in its colour; a finished one's in grey
      seg(fit(formatDuration(duration), DUR_W, { align: 'right' }), d === 'running' ? 'running' : 'muted'),
      seg(' '),
    ];
    if (showHost) segs.push(seg(fit(t.host ?? '', 12, { middle: true, ellipsis: g.ellipsis }) + ' ', 'muted'));
    const used = segs.reduce((n, s) => n + width(s.text), 0);
    segs.push(...taskInfo(t, d, Math.max(0, w - used), g));
    return [fitLine(segs, w, g.ellipsis), ...(t.id === expanded ? expandedLines : [])];
  };
  return listPane(
    {
      id: 'details',
      width: w,
      body,
      focused,
      title: titleLine,
      items: rows,
      empty,
      cursor: cursorIdx,
      reserved: expandedLines.length,
      render: row,
      moreDetail: (start, count) => hiddenSummary(detailCounts(state), rows, start, count),
      banner: [...specBanner(state, w, body, g), ...(rows.length > 0 && body > 3 ? [columnHeads(byId ? 'task' : 'universe', nameW, showHost, w, g)] : [])],
    },
    g,
  );
}

/**
 * What the columns hold: `time` is the running attempt's so far (in the running colour) or the
 * last attempt's, `host` where it runs now or last ran.
 */
function columnHeads(name: string, nameW: number, showHost: boolean, w: number, g: Glyphs): Line {
  const segs: Line = [seg('   '), seg(fit(name, nameW)), seg(' '), seg(fit('state', STATE_W)), seg(fit('time', DUR_W, { align: 'right' })), seg(' ')];
  if (showHost) segs.push(seg(fit('host', 12) + ' '));
  segs.push(seg('why / last lines'));
  return fitLine(segs.map((x) => ({ ...x, tone: 'muted' as const })), w, g.ellipsis);
}

/** With no output selected: which outputs the rows are of, and what r runs. */
function allTitle(state: ViewState, n: number, g: Glyphs): string {
  const name = state.ui.nameFilter.trim();
  const which = name ? `outputs matching "${name}"` : 'all outputs';
  if (!state.statusLoaded) return which;
  return `${which} ${g.sep} ${n} task${n === 1 ? '' : 's'} need work${n > 0 && name ? ` ${g.sep} r runs them` : ''}`;
}

/** The spec on disk does not load: each problem in full, wrapped, above the rows (at most half the pane). */
function specBanner(state: ViewState, w: number, body: number, g: Glyphs): Line[] {
  if (!state.specProblem) return [];
  const lines: Line[] = [fitLine([seg(' the spec does not load; showing the last one that did:', 'error')], w, g.ellipsis)];
  for (const p of state.specProblem) for (const l of wrapText(p, w - 3)) lines.push(fitLine([seg(`   ${l}`, 'failed')], w, g.ellipsis));
  const max = Math.max(2, Math.floor(body / 2));
  return lines.length > max ? [...lines.slice(0, max - 1), fitLine([seg(`   +${lines.length - max + 1} more lines: lc validate lists them`, 'muted')], w, g.ellipsis)] : lines;
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
  if (t.host) add(`host ${t.host}${t.durationS !== null ? `, last duration ${formatDuration(t.durationS)}` : ''}`);
  if (t.live === 'running' && t.startedAt !== undefined) add(`running for ${formatDuration((state.now - t.startedAt) / 1000)}`, 'running');
  return out;
}
