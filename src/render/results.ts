/**
 * `lc results` as text (a table per metric output, its summary under it), JSON (schema 1,
 * snake_case) and CSV (one row per output and universe, for notebooks).
 */
import type { ResultsTable, ResultRow } from '../../engine/results/table.js';
import type { Scalar } from '../../engine/results/read-value.js';
import type { paint } from '../color.js';
import { snakeKeys } from './json-keys.js';

type Paint = ReturnType<typeof paint>;

export const RESULTS_JSON_SCHEMA = 1;

export function resultsJson(tables: readonly ResultsTable[]): string {
  return JSON.stringify({ schema: RESULTS_JSON_SCHEMA, outputs: snakeKeys(tables) }, null, 2) + '\n';
}

export function resultsCsv(tables: readonly ResultsTable[]): string {
  const decisions = [...new Set(tables.flatMap((t) => t.decisions))];
  const metrics = [...new Set(tables.flatMap((t) => t.metrics))];
  const head = ['output', 'universe', 'state', ...decisions, ...metrics, 'problem'];
  const lines = [head.map(csvCell).join(',')];
  for (const t of tables)
    for (const r of t.rows)
      lines.push([t.output, r.universe, r.state, ...decisions.map((d) => r.choices[d] ?? ''), ...metrics.map((m) => scalarText(r.values?.[m])), r.problem ? `${r.problem.file ?? ''}: ${r.problem.reason}` : ''].map(csvCell).join(','));
  return lines.join('\n') + '\n';
}

const csvCell = (v: string): string => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

const scalarText = (v: Scalar | undefined): string => (v === undefined ? '' : typeof v === 'number' ? String(v) : String(v));

export function resultsText(tables: readonly ResultsTable[], p: Paint): string {
  return tables.map((t) => tableText(t, p)).join('\n');
}

function tableText(t: ResultsTable, p: Paint): string {
  const n = t.rows.length;
  const out = [`${p.bold(t.output)} ${p.dim(`· metric · ${n} universe${n === 1 ? '' : 's'}${t.decisions.length ? ` · depends on ${t.decisions.join(', ')}` : ''}`)}`];
  const head = ['universe', ...t.decisions, '│', ...t.metrics, 'state'];
  const body = t.rows.map((r) => [r.universe, ...t.decisions.map((d) => r.choices[d] ?? '-'), '│', ...t.metrics.map((m) => valueText(r, m)), r.state]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const firstMetric = t.decisions.length + 2;
  const line = (cells: string[]) => cells.map((c, i) => (i >= firstMetric && i < firstMetric + t.metrics.length ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ').trimEnd();
  out.push(p.dim(line(head)));
  t.rows.forEach((r, i) => {
    const text = line(body[i] as string[]);
    out.push(r.state === 'ok' ? text : p.dim(text));
  });
  for (const r of t.rows) if (r.problem && r.state !== 'missing') out.push(p.yellow(`  ${r.universe}: ${r.problem.file ?? ''}: ${r.problem.reason}`));
  const notOk = t.rows.filter((r) => r.state !== 'ok').length;
  if (notOk) out.push(p.dim(`  ${notOk} of ${n} not ok: their values (dimmed) are not current, and the summary leaves them out`));
  for (const s of t.summary) {
    const moved = s.byDecision.map((d) => `${d.decision} ${fmt(d.spread)} (${d.options.map((o) => `${o.option} ${fmt(o.median)}`).join(', ')})`);
    out.push(`  ${p.bold(s.metric)}: ${s.n} ok universe${s.n === 1 ? '' : 's'}, ${fmt(s.min)} to ${fmt(s.max)}, median ${fmt(s.median)}${moved.length ? `; moved most by ${moved.join('; then ')}` : ''}`);
  }
  return out.join('\n') + '\n';
}

function valueText(r: ResultRow, m: string): string {
  const v = r.values?.[m];
  if (v === undefined) return r.problem && r.state !== 'missing' ? '?' : '-';
  return typeof v === 'number' ? fmt(v) : String(v);
}

/** Numbers as a reader wants them: up to 4 significant decimals, no float noise. */
function fmt(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(6)));
}
