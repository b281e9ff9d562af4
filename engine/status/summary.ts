/** Counts per state, and the most common reasons, for summaries and aggregated views. */
import { emptyCounts, type StaleReason, type StateCounts, type TaskStatus } from './types.js';

export function summarize(statuses: readonly TaskStatus[]): StateCounts {
  const c = emptyCounts();
  for (const s of statuses) c[s.state]++;
  return c;
}

/** `script src/fit.py`, `upstream baseline/fit`, `decisions estimator`: a reason's short label. */
export function reasonLabel(r: StaleReason): string {
  return r.subject ? `${r.kind} ${r.subject}` : r.kind;
}

/** Reason labels by how many tasks carry them, most frequent first. */
export function topReasons(statuses: readonly TaskStatus[]): { label: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const s of statuses) {
    for (const label of new Set(s.reasons.map(reasonLabel))) counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts.entries()]
    .map(([label, count]) => ({ label, count }))
    .sort((a, b) => b.count - a.count || (a.label < b.label ? -1 : 1));
}
