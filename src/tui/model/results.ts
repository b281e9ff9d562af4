/**
 * The results view's data: the numeric metrics of the output shown, and its specification
 * curve (the universes with a number for the metric, sorted by it, each with its state in this
 * view: a value of an output that is not ok is not current).
 */
import type { OutputValue } from '../../../engine/results/read-output.js';
import { displayState } from './selectors.js';
import type { DisplayState, ViewState } from './types.js';

export interface CurveEntry {
  value: number;
  state: DisplayState;
  row: OutputValue;
}

/** Metrics with a number in some universe, in the order they first appear. */
export function numericMetrics(state: ViewState): string[] {
  const out: string[] = [];
  for (const v of state.results?.values ?? []) for (const [k, x] of Object.entries(v.values ?? {})) if (typeof x === 'number' && !out.includes(k)) out.push(k);
  return out;
}

/** The metric shown: the one asked for, else `value`, else the first number. */
export function shownMetric(state: ViewState, asked: string | null): string | undefined {
  const ms = numericMetrics(state);
  return asked && ms.includes(asked) ? asked : ms.includes('value') ? 'value' : ms[0];
}

export function curveOf(state: ViewState, metric: string): CurveEntry[] {
  const out: CurveEntry[] = [];
  for (const row of state.results?.values ?? []) {
    const v = row.values?.[metric];
    const t = state.tasks.get(row.task);
    if (typeof v === 'number') out.push({ value: v, state: t ? displayState(t) : 'missing', row });
  }
  return out.sort((a, b) => a.value - b.value || (a.row.universe < b.row.universe ? -1 : 1));
}
