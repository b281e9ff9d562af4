/**
 * Frame metrics for the benchmark (bench/tui.sh): when LC_TUI_METRICS names a file, the TUI
 * records Ink's per-frame render time and when the first frames appeared, and writes them as
 * JSON on exit. Costs one array push per frame; nothing at all when the variable is unset.
 */
import { writeFileSync } from 'node:fs';

export interface TuiMetrics {
  /** ms since process start of the first frame, and of the first frame with status loaded. */
  firstFrameMs: number | null;
  firstStatusFrameMs: number | null;
  frames: number;
  /** Ink renderTime (ms) per frame, in order. */
  renderMs: number[];
  /** renderTime of the frames drawn while a run was active. */
  runRenderMs: number[];
  peakRssMb: number;
  /** process.memoryUsage() (MB) when the peak RSS was sampled. */
  peakMemory: Record<string, number>;
  /** Start-up milestones, ms since process start. */
  marks: Record<string, number>;
}

export interface MetricsRecorder {
  mark(name: string): void;
  onRender(renderTime: number, statusLoaded: boolean, running: boolean): void;
  write(): void;
}

export function metricsRecorder(path: string | undefined): MetricsRecorder | undefined {
  if (!path) return undefined;
  const m: TuiMetrics = { firstFrameMs: null, firstStatusFrameMs: null, frames: 0, renderMs: [], runRenderMs: [], peakRssMb: 0, peakMemory: {}, marks: {} };
  const sample = (): void => {
    const u = process.memoryUsage();
    const rss = u.rss / 2 ** 20;
    if (rss <= m.peakRssMb) return;
    m.peakRssMb = rss;
    m.peakMemory = Object.fromEntries(Object.entries(u).map(([k, v]) => [k, Math.round(v / 2 ** 20)]));
  };
  return {
    mark(name) {
      m.marks[name] = performance.now();
    },
    onRender(renderTime, statusLoaded, running) {
      const at = performance.now();
      m.firstFrameMs ??= at;
      if (statusLoaded) m.firstStatusFrameMs ??= at;
      m.frames++;
      m.renderMs.push(renderTime);
      if (running) m.runRenderMs.push(renderTime);
      if (m.frames % 20 === 1) sample();
    },
    write() {
      sample();
      writeFileSync(path, JSON.stringify(m) + '\n');
    },
  };
}
