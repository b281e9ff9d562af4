/** The workers pane: per node CPU and memory (sparklines of the last minutes), GPU, slots and running tasks. */
import type { NodeUtilisation } from '../../../../engine/executors/executor.js';
import { formatBytesCompact } from '../../../../engine/units.js';
import { bar, fit, fmtPercent, sparkline, truncateMiddle, width } from '../format.js';
import type { Glyphs } from '../glyphs.js';
import type { FrameLayout } from '../layout.js';
import { runningByHost } from '../selectors.js';
import type { NodeHistory, PilotsView, ViewState } from '../types.js';
import { listPane } from './list-pane.js';
import { fitLine, seg, title, type Line, type PaneModel, type Tone } from './model.js';

export function workersPane(state: ViewState, layout: FrameLayout, g: Glyphs): PaneModel {
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
  const pilots = state.scheduler.state === 'running' ? state.scheduler.pilots : undefined;
  // a queue's session: what its pilot jobs do says more than the node count (the rows show that)
  const titleSegs = pilots ? pilotSegs(pilots) : nodes.length ? [seg(summary, 'muted')] : [];
  const titleLine = title('WORKERS', focused, g, titleSegs, w);
  const perNode = workerLinesPerNode(w);
  const hasGpu = nodes.some((n) => n.gpuPercent.length > 0);
  const fromEvents = state.run.owner === 'attached' ? runningByHost(state) : undefined;
  const row = (reported: NodeUtilisation, i: number): Line[] => {
    const derived = reported.runningTasks.length === 0 ? fromEvents?.get(reported.host) : undefined;
    const n = derived ? { ...reported, runningTasks: derived } : reported;
    const isCursor = focused && i === state.ui.workerCursor;
    const h = state.workerHistory.get(n.host);
    return perNode === 2 ? workerTwoLines(n, h, w, hasGpu, isCursor, g) : [workerLine(n, h, w, hasGpu, isCursor, g)];
  };
  return listPane(
    {
      id: 'workers',
      width: w,
      body,
      focused,
      title: titleLine,
      items: nodes,
      empty: nodes.length === 0 ? (pilots ? noWorkerYet(pilots, g) : `waiting for the first utilisation snapshot${g.dots}`) : null,
      cursor: state.ui.workerCursor,
      linesPer: perNode,
      render: row,
      moreDetail: () => ' nodes',
    },
    g,
  );
}

/** `pilots 1 pending (Priority), 1 running, max 4` (what waits first: narrow panes cut the end), or sbatch's refusal. */
function pilotSegs(p: PilotsView): Line {
  if (p.refused) return [seg(`  sbatch refused the pilots: ${p.refused}`, 'failed')];
  const running = p.jobs.filter((j) => j.state === 'RUNNING').length;
  const pending = p.jobs.filter((j) => j.state === 'PENDING');
  const why = pending[0]?.reason ? ` (${pending[0].reason})` : '';
  const parts = [...(pending.length ? [`${pending.length} pending${why}`] : []), `${running} running`];
  return [seg(`  pilots ${parts.join(', ')}, max ${p.maxJobs}`, pending.length ? 'warn' : 'muted')];
}

/** The empty pane of a queue's session: what its pilots are waiting for. */
function noWorkerYet(p: PilotsView, g: Glyphs): string {
  if (p.refused) return `sbatch refused the pilot jobs: ${p.refused}`;
  // a session of several queues: which queue's pilot it is
  const of = (j: PilotsView['jobs'][number]): string => (j.queue && j.queue !== p.queue ? ` (queue ${j.queue})` : '');
  const pending = p.jobs.find((j) => j.state === 'PENDING');
  if (pending) return `pilot job ${pending.id}${of(pending)} pending (${pending.reason ?? 'waiting'})`;
  const first = p.jobs[0];
  return first ? `pilot job ${first.id}${of(first)} starting${g.dots}` : `no pilot jobs: nothing to do`;
}

/** Narrow panes show a node on two lines (name and slots, then bars). */
export const workerLinesPerNode = (w: number): number => (w < 76 ? 2 : 1);

const fmtNum = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(1));

/** The load over the last minutes once there are samples enough, else how full it is now. */
function loadCells(now: number, history: readonly number[] | undefined, bw: number, g: Glyphs): string {
  if (history && history.length >= 2) return fit(sparkline(history, bw, g.spark), bw);
  return bar(now / 100, bw, g.barFull, g.barEmpty);
}

function cpuSegs(n: NodeUtilisation, h: NodeHistory | undefined, bw: number, g: Glyphs): Line {
  return [
    seg('cpu ', 'muted'),
    seg(loadCells(n.cpuPercent, h?.cpu, bw, g), loadTone(n.cpuPercent)),
    seg(fit(fmtPercent(n.cpuPercent), 5, { align: 'right' })),
  ];
}

function memSegs(n: NodeUtilisation, h: NodeHistory | undefined, bw: number, g: Glyphs): Line {
  const frac = n.memoryTotalBytes > 0 ? n.memoryUsedBytes / n.memoryTotalBytes : 0;
  return [
    seg(' mem ', 'muted'),
    seg(loadCells(frac * 100, h?.mem, bw, g), loadTone(frac * 100)),
    seg(fit(` ${formatBytesCompact(n.memoryUsedBytes)}/${formatBytesCompact(n.memoryTotalBytes)}`, 12)),
  ];
}

function gpuSegs(n: NodeUtilisation, hasGpu: boolean): Line {
  if (!hasGpu) return [];
  if (n.gpuPercent.length === 0) return [seg(fit(' gpu -', 10), 'muted')];
  const avg = n.gpuPercent.reduce((a, b) => a + b, 0) / n.gpuPercent.length;
  return [seg(' gpu ', 'muted'), seg(fit(fmtPercent(avg), 5, { align: 'right' }), loadTone(avg))];
}

const loadTone = (pct: number): Tone => (pct >= 90 ? 'failed' : pct >= 70 ? 'warn' : 'ok');

function workerLine(n: NodeUtilisation, h: NodeHistory | undefined, w: number, hasGpu: boolean, isCursor: boolean, g: Glyphs): Line {
  const hostW = 14;
  const bw = w >= 110 ? 12 : 8;
  const segs: Line = [
    seg(isCursor ? g.cursor : ' ', 'accent'),
    seg(fit(n.host, hostW, { middle: true, ellipsis: g.ellipsis }) + ' ', 'title', { bold: isCursor }),
    ...cpuSegs(n, h, bw, g),
    ...memSegs(n, h, bw, g),
    ...gpuSegs(n, hasGpu),
    seg(` cpus ${fit(`${fmtNum(n.cpusInUse)}/${fmtNum(n.cpusTotal)}`, 7)}`, 'muted'),
    seg(`${n.runningTasks.length} running`, n.runningTasks.length ? 'running' : 'muted'),
  ];
  const used = segs.reduce((a, s) => a + width(s.text), 0);
  if (n.runningTasks.length && w - used > 4) segs.push(seg(`: ${truncateMiddle(n.runningTasks.join(', '), w - used - 2, g.ellipsis)}`, 'muted'));
  return fitLine(segs, w, g.ellipsis);
}

function workerTwoLines(n: NodeUtilisation, h: NodeHistory | undefined, w: number, hasGpu: boolean, isCursor: boolean, g: Glyphs): Line[] {
  const bw = Math.max(4, Math.min(10, Math.floor((w - 30 - (hasGpu ? 10 : 0)) / 2)));
  const l1: Line = [
    seg(isCursor ? g.cursor : ' ', 'accent'),
    seg(truncateMiddle(n.host, Math.max(8, w - 30), g.ellipsis), 'title', { bold: isCursor }),
    seg(`  cpus ${fmtNum(n.cpusInUse)}/${fmtNum(n.cpusTotal)}`, 'muted'),
    seg(` ${g.sep} ${n.runningTasks.length} running`, n.runningTasks.length ? 'running' : 'muted'),
  ];
  const l2: Line = [seg('   '), ...cpuSegs(n, h, bw, g), ...memSegs(n, h, bw, g), ...gpuSegs(n, hasGpu)];
  return [fitLine(l1, w, g.ellipsis), fitLine(l2, w, g.ellipsis)];
}
