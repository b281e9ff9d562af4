/**
 * View state -> FrameModel. Only visible rows are formatted, so a frame costs about the same for
 * 50 or 5,000 tasks (apart from the linear, memoised bucketing of detail rows).
 */
import { glyphsFor } from '../glyphs.js';
import { SPLIT_MIN_COLS, computeLayout, splitWidths, type FrameLayout, type PaneDemand } from '../layout.js';
import { detailRows, logTaskFor, visibleOutputs } from '../selectors.js';
import type { ViewState } from '../types.js';
import { bottomLine } from './bottom.js';
import { detailsPane } from './details.js';
import { headerLines } from './header.js';
import { logLinesFor, logPane } from './log.js';
import type { FrameBody, FrameModel, FrameOptions, PaneModel } from './model.js';
import { outputsPane } from './outputs.js';
import { overlayPane } from './overlays.js';
import { workerLinesPerNode, workersPane } from './workers.js';

export * from './model.js';
export { keyHints } from './bottom.js';
export { helpEntries } from './overlays.js';

export function buildFrame(state: ViewState, opts: FrameOptions): FrameModel {
  const g = glyphsFor(opts.ascii);
  const { cols, rows } = state.ui;
  const rowsDetail = detailRows(state);
  const logTask = logTaskFor(state);
  const logLines = logTask ? logLinesFor(state, logTask) : [];
  const demand: PaneDemand = {
    outputs: Math.max(1, visibleOutputs(state).length),
    // the rows, their column heads, an expanded row, a spec problem said above them
    details: Math.max(1, rowsDetail.length + (rowsDetail.length ? 1 : 0) + (state.ui.expandedTask ? 8 : 0) + (state.specProblem ? 2 + state.specProblem.length * 2 : 0)),
    workers: Math.max(1, state.workers.length * workerLinesPerNode(cols >= SPLIT_MIN_COLS ? splitWidths(cols, logTask !== undefined).right : cols)),
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
