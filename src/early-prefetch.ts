/**
 * Commands that begin with a status pass (`lc status`, `lc run`) get their status prefetch
 * (engine/status/prefetch.ts) started here, before their own modules load, so the worker's
 * stat calls overlap module loading as well as spec loading. Anything that goes wrong is left
 * for the command to report: this only saves time.
 */
import type { GlobalOptions } from './commands/command.js';

const STATUS_FIRST = new Set(['status', 'run']);

let cancel: (() => void) | undefined;

export async function startEarlyPrefetch(command: string, g: GlobalOptions, args: readonly string[]): Promise<void> {
  // --dry-run and --help still benefit or cost nothing; a bare --help never reaches a status pass.
  if (!STATUS_FIRST.has(command) || args.includes('--help') || args.includes('-h')) return;
  try {
    const [{ findProjectRoot }, { scratchPaths }, prefetch] = await Promise.all([
      import('./project-root.js'),
      import('../engine/scratch/paths.js'),
      import('../engine/status/prefetch.js'),
    ]);
    const root = findProjectRoot(g.cwd, g.projectDir);
    prefetch.startStatusPrefetchEarly(root, scratchPaths(root).cache);
    cancel = prefetch.cancelUntakenPrefetches;
  } catch {
    // no project, unreadable config, ...: the command says so properly
  }
}

/** Stop a prefetch the command never took (it failed first), so the process exits at once. */
export function cancelEarlyPrefetch(): void {
  cancel?.();
}
