/**
 * `lc status` text. Small selections: grouped by output, one row per universe with the first
 * reason. Sweeps: one line per output with counts per state and the most common reason, e.g.
 * `fit  ok 180  stale 15 (script src/fit.py)  missing 5`. Glyphs and colour only when colour
 * is on (a TTY); without it the lines are plain words for grep and logs. While a run holds the
 * project, a first line names it and its running and queued tasks show as such.
 */
import type { Dag } from '../../engine/dag/task.js';
import { TASK_STATES, type StaleReason, type TaskStatus } from '../../engine/status/types.js';
import type { Paint } from '../color.js';
import { STATE_STYLE, type DisplayState } from '../style/states.js';
import type { LiveRun } from '../../engine/runner/live-run.js';
import { liveRunLine, liveTaskDetail, shownState } from './live-run.js';

/** Above either limit the view aggregates per output. */
export const ROWS_MAX_UNIVERSES = 12;
export const ROWS_MAX_TASKS = 120;

const STATE_ORDER: readonly DisplayState[] = ['ok', 'running', 'queued', 'stale', 'modified', 'failed', 'unreadable', 'missing'];


export interface StatusTextOptions {
  paint: Paint;
  /** For aliases (re-exports) shown as what they resolve to. */
  dag?: Dag;
  /** Force a layout (default: by size). */
  layout?: 'rows' | 'aggregate';
  now?: number;
  /** The run holding the project: its running and queued tasks show as such. */
  live?: LiveRun | null;
}

export function renderStatusText(statuses: readonly TaskStatus[], o: StatusTextOptions): string {
  const p = o.paint;
  if (statuses.length === 0) return 'No tasks selected.\n';
  const byOutput = groupByOutput(statuses);
  const universes = new Set(statuses.map((s) => s.universe));
  const layout =
    o.layout ?? (universes.size <= ROWS_MAX_UNIVERSES && statuses.length <= ROWS_MAX_TASKS ? 'rows' : 'aggregate');
  const now = o.now ?? Date.now();
  const live = o.live ?? null;
  const head = liveRunLine(live, p, now);
  const lines = head === null ? [] : [head, ''];
  lines.push(...(layout === 'rows' ? rows(byOutput, p, now, live) : aggregate(byOutput, p, live)));
  lines.push(...aliasLines(o.dag, new Set(byOutput.keys()), p));
  lines.push('', summaryLine(statuses, p, live));
  if (statuses.some((s) => s.state === 'modified')) lines.push(p.dim(MODIFIED_HINT));
  return lines.join('\n') + '\n';
}

/**
 * After a `cp -r` or a `touch` every output reads as modified although no byte changed; this
 * names the command that checks the bytes and records the new timestamps.
 */
export const MODIFIED_HINT =
  'hint: if the modified files were only copied or touched, `lc verify --refresh` checks their bytes and records the new timestamps';

function groupByOutput(statuses: readonly TaskStatus[]): Map<string, TaskStatus[]> {
  const m = new Map<string, TaskStatus[]>();
  for (const s of statuses) {
    const g = m.get(s.output);
    if (g) g.push(s);
    else m.set(s.output, [s]);
  }
  return m;
}

function rows(byOutput: Map<string, TaskStatus[]>, p: Paint, now: number, live: LiveRun | null): string[] {
  const uWidth = Math.max(...[...byOutput.values()].flat().map((s) => s.universe.length));
  const out: string[] = [];
  for (const [output, group] of byOutput) {
    out.push(p.bold(output));
    for (const s of group) {
      const running = live?.tasks.get(s.id);
      const state = running?.state ?? s.state;
      const detail = running ? liveTaskDetail(running, now) : rowDetail(s, now);
      const notes = running ? [] : (s.notes ?? []);
      const shown = [...(detail ? [state === 'ok' ? p.dim(detail) : detail] : []), ...notes.map((n) => p.yellow(n))];
      const row = shown.length > 0 ? `${s.universe.padEnd(uWidth)}  ${shown.join(p.dim(', '))}` : s.universe;
      out.push(`  ${p.state(state, state.padEnd(10))} ${row}`);
    }
  }
  return out;
}

/** Tasks per state shown (a live run's running and queued over the records). */
function shownCounts(statuses: readonly TaskStatus[], live: LiveRun | null): Map<DisplayState, TaskStatus[]> {
  const m = new Map<DisplayState, TaskStatus[]>();
  for (const s of statuses) {
    const st = shownState(s, live);
    const g = m.get(st);
    if (g) g.push(s);
    else m.set(st, [s]);
  }
  return m;
}

function rowDetail(s: TaskStatus, now: number): string {
  if (s.state === 'ok') {
    const parts: string[] = [];
    if (s.finishedAt) parts.push(ago(now - Date.parse(s.finishedAt)));
    if (s.dedupFrom) parts.push(`from ${s.dedupFrom}`);
    return parts.join(', ');
  }
  const [first, ...rest] = s.reasons;
  if (!first) return '';
  return first.detail + (rest.length > 0 ? ` (+${rest.length} more)` : '');
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400 * 2) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

function aggregate(byOutput: Map<string, TaskStatus[]>, p: Paint, live: LiveRun | null): string[] {
  const width = Math.max(...[...byOutput.keys()].map((k) => k.length));
  const out: string[] = [];
  for (const [output, group] of byOutput) {
    const byState = shownCounts(group, live);
    const cells: string[] = [];
    for (const st of STATE_ORDER) {
      const those = byState.get(st) ?? [];
      const n = those.length;
      if (n === 0) continue;
      const quiet = st === 'ok' || st === 'missing' || st === 'running' || st === 'queued';
      const top = quiet ? undefined : topAggregateReason(those);
      cells.push(p.tone(STATE_STYLE[st].tone, `${st} ${n}`) + (top ? ` (${top})` : ''));
    }
    const onHost = group.filter((s) => s.notes?.length).length;
    if (onHost > 0) cells.push(p.yellow(`(${onHost} ran on the host, not in the declared container)`));
    out.push(`${p.bold(output.padEnd(width))}  ${cells.join('  ')}`);
  }
  return out;
}

/** A reason label that aggregates across universes: `upstream clean`, not `upstream u7/clean`. */
function aggregateLabel(r: StaleReason): string {
  if (r.kind === 'upstream' && r.subject) return `upstream ${r.subject.slice(r.subject.indexOf('/') + 1)}`;
  if (r.kind === 'decisions') return r.subject ? `decision ${r.subject}` : 'decisions';
  if (r.kind === 'modified' || r.kind === 'failed' || r.kind === 'unreadable' || r.kind === 'recipe') return r.kind;
  return r.subject ? `${r.kind} ${r.subject}` : r.kind;
}

function topAggregateReason(group: readonly TaskStatus[]): string | undefined {
  const counts = new Map<string, number>();
  for (const s of group)
    for (const l of new Set(s.reasons.map(aggregateLabel))) counts.set(l, (counts.get(l) ?? 0) + 1);
  const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const first = sorted[0];
  if (!first) return undefined;
  return sorted.length > 1 ? `${first[0]}, +${sorted.length - 1} more` : first[0];
}

function aliasLines(dag: Dag | undefined, shown: Set<string>, p: Paint): string[] {
  if (!dag?.reexports) return [];
  const out: string[] = [];
  for (const [alias, producer] of dag.reexports) {
    if (shown.has(producer)) out.push(p.dim(`${alias} -> ${producer} (alias)`));
  }
  return out;
}

export function summaryLine(statuses: readonly TaskStatus[], p: Paint, live: LiveRun | null = null): string {
  const c = shownCounts(statuses, live);
  const order: DisplayState[] = [...TASK_STATES.slice(0, 1), 'running', 'queued', ...TASK_STATES.slice(1)];
  const parts = order.filter((s) => c.has(s)).map((s) => p.tone(STATE_STYLE[s].tone, `${c.get(s)?.length ?? 0} ${s}`));
  const n = statuses.length;
  return `${n} ${n === 1 ? 'task' : 'tasks'}: ${parts.join(', ')}`;
}
