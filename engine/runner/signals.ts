/**
 * Ctrl-C / SIGTERM / SIGHUP for a run: the first one stops gracefully, the next one forces.
 * While installed, these handlers replace Node's default "die on signal", so the runner can
 * make sure no manifest is written for a task it interrupted and print its summary.
 */
import type { RunControl } from './control.js';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export function installSignalHandlers(control: RunControl, onSignal?: (sig: NodeJS.Signals, count: number) => void): () => void {
  let count = 0;
  const handler = (sig: NodeJS.Signals) => {
    count++;
    onSignal?.(sig, count);
    control.cancel({ force: count > 1, reason: 'signal' });
  };
  for (const s of SIGNALS) process.on(s, handler);
  return () => {
    for (const s of SIGNALS) process.off(s, handler);
  };
}
