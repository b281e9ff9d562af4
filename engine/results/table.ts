/**
 * The multiverse of a metric output's results: one row per universe with the choices its value
 * depends on (the decisions of its task and of every task upstream of it), its value(s) as
 * read-value.ts reads them, and its state, so a value from an output that is not ok is never
 * taken for a current one. The summary uses ok rows only: per numeric metric its range and
 * median, and per decision the spread of the option medians (which choice moves it most).
 */
import { join } from 'node:path';
import type { EngineContext } from '../context.js';
import { upstreamClosure } from '../dag/select.js';
import type { Task } from '../dag/task.js';
import type { TaskStatus } from '../status/types.js';
import { readMetric, type Scalar } from './read-value.js';

export interface ResultRow {
  universe: string;
  task: string;
  state: TaskStatus['state'];
  /** Decision id -> option chosen, for the decisions the value depends on. */
  choices: Record<string, string>;
  /** Null when the output has no readable value (`problem` says why). */
  values: Record<string, Scalar> | null;
  problem: { file: string | null; reason: string } | null;
  dataVersion: string | null;
  finishedAt: string | null;
}

export interface DecisionSpread {
  decision: string;
  /** Largest minus smallest option median. */
  spread: number;
  options: { option: string; median: number; n: number }[];
}

export interface MetricSummary {
  metric: string;
  /** Ok universes with a number for it. */
  n: number;
  min: number;
  max: number;
  median: number;
  /** Largest spread first. */
  byDecision: DecisionSpread[];
}

export interface ResultsTable {
  output: string;
  decisions: string[];
  metrics: string[];
  rows: ResultRow[];
  summary: MetricSummary[];
}

export function resultsTable(ctx: EngineContext, output: string, statuses: ReadonlyMap<string, TaskStatus>): ResultsTable {
  const tasks = ctx.dag.tasks.filter((t) => t.output === output);
  const rows = tasks.map((t) => rowOf(ctx, t, statuses.get(t.id)));
  const decisions = [...new Set(rows.flatMap((r) => Object.keys(r.choices)))].sort();
  const metrics = [...new Set(rows.flatMap((r) => Object.keys(r.values ?? {})))];
  return { output, decisions, metrics, rows, summary: metrics.flatMap((m) => summaryOf(m, rows, decisions)) };
}

function rowOf(ctx: EngineContext, t: Task, st: TaskStatus | undefined): ResultRow {
  const state = st?.state ?? 'missing';
  const read = state === 'missing' ? null : readMetric(join(ctx.root, t.outdir));
  return {
    universe: t.universe,
    task: t.id,
    state,
    choices: choicesOf(ctx, t),
    values: read?.ok ? read.values : null,
    problem: read === null ? { file: null, reason: 'not made yet' } : read.ok ? null : { file: read.file ? join(t.outdir, read.file) : t.outdir, reason: read.reason },
    dataVersion: st?.dataVersion ?? null,
    finishedAt: st?.finishedAt ?? null,
  };
}

/** The choices of the task and of every task upstream of it. */
export function choicesOf(ctx: EngineContext, t: Task): Record<string, string> {
  const out: Record<string, string> = {};
  for (const id of upstreamClosure(ctx.dag, [t.id])) {
    const u = ctx.dag.byId.get(id);
    if (u) for (const [d, o] of Object.entries(u.decisions)) out[d] = o;
  }
  return out;
}

function summaryOf(metric: string, rows: readonly ResultRow[], decisions: readonly string[]): MetricSummary[] {
  const ok = rows.flatMap((r) => {
    const v = r.values?.[metric];
    return r.state === 'ok' && typeof v === 'number' ? [{ r, v }] : [];
  });
  if (ok.length === 0) return [];
  const vs = ok.map((x) => x.v);
  const byDecision = decisions.flatMap((d) => {
    const byOption = new Map<string, number[]>();
    for (const { r, v } of ok) {
      const o = r.choices[d];
      if (o === undefined) continue;
      byOption.set(o, [...(byOption.get(o) ?? []), v]);
    }
    if (byOption.size < 2) return [];
    const options = [...byOption].map(([option, l]) => ({ option, median: median(l), n: l.length })).sort((a, b) => a.median - b.median);
    return [{ decision: d, spread: (options.at(-1)?.median ?? 0) - (options[0]?.median ?? 0), options }];
  });
  byDecision.sort((a, b) => b.spread - a.spread);
  return [{ metric, n: vs.length, min: Math.min(...vs), max: Math.max(...vs), median: median(vs), byDecision }];
}

export function median(l: readonly number[]): number {
  const s = [...l].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
