/**
 * `lc run --dry-run`: the plan, one task per line with why it would run, grouped in the order
 * it would run (DAG order). Deduplicated members say where their files would come from.
 */
import { STATE_STYLE } from '../style/states.js';
import type { PlannedTask } from '../../engine/events.js';
import type { StaleReason } from '../../engine/status/types.js';
import type { Paint } from '../color.js';

export function reasonText(reasons: readonly StaleReason[]): string {
  return reasons.map((r) => r.detail).join('; ');
}

export function formatPlan(tasks: readonly PlannedTask[], upToDate: number, executor: string, p: Paint): string {
  const lines: string[] = [];
  if (tasks.length === 0) {
    lines.push(`Nothing to run: ${upToDate} ${upToDate === 1 ? 'task is' : 'tasks are'} up to date.`);
    return lines.join('\n') + '\n';
  }
  const linked = tasks.filter((t) => t.dedupFrom !== undefined).length;
  lines.push(
    p.bold(`Would run ${tasks.length - linked} ${tasks.length - linked === 1 ? 'task' : 'tasks'}`) +
      (linked ? ` and link ${linked} from their execution group` : '') +
      ` (executor ${executor}); ${upToDate} up to date.`,
  );
  const idWidth = Math.min(48, Math.max(...tasks.map((t) => t.id.length)));
  for (const t of tasks) {
    const state = t.forced ? 'forced' : (t.state ?? 'stale');
    const tone = t.forced ? 'accent' : STATE_STYLE[t.state ?? 'stale'].tone;
    let why = t.forced ? '--force' : reasonText(t.reasons);
    if (!why && t.state === 'missing') why = 'no manifest yet';
    if (t.dedupFrom !== undefined) why = `${why ? `${why}; ` : ''}${p.dim(`link outputs of ${t.dedupFrom} (same computation)`)}`;
    lines.push(`  ${p.tone(tone, state.padEnd(10))} ${t.id.padEnd(idWidth)}  ${why}`);
  }
  return lines.join('\n') + '\n';
}
