/**
 * What the TUI prints after it leaves the screen: whatever keeps running without it, and how to
 * stop that. The session scheduler is never stopped by quitting.
 */
import { runActive } from './selectors.js';
import type { ViewState } from './types.js';
import { formatDuration } from '../../../engine/units.js';

export function exitMessage(state: ViewState): string {
  const lines: string[] = [];
  const s = state.scheduler;
  if (s.state === 'running' && !s.external) {
    const idle = s.idleDeadline !== undefined ? ` (it stops itself after ${formatDuration(Math.max(0, (s.idleDeadline - state.now) / 1000))} idle)` : '';
    lines.push(`lc: the session scheduler at ${s.address} is still running${idle}; stop it now with: lc scheduler stop`);
  } else if (s.state === 'running' && s.external) {
    lines.push(`lc: the external scheduler at ${s.address} was left alone (lc never stops it)`);
  }
  if (runActive(state) && state.run.owner === 'attached' && state.run.holder) {
    const h = state.run.holder;
    lines.push(`lc: lc run (pid ${h.pid} on ${h.host}) is still running; watch it again with: lc`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
