/**
 * `lc tui` (and `lc` with no command in a terminal): the live terminal UI. Ink is imported
 * only inside the action, after src/cli.ts applied the colour decision.
 */
import { LcError } from '../../engine/errors.js';
import { EXECUTOR_KINDS, type ExecutorKind } from '../../engine/executors/select.js';
import { parseCommandArgs, SELECT_OPTIONS } from '../args.js';
import { applyColor } from '../color.js';
import { findProjectRoot } from '../project-root.js';
import { openProject } from '../project-context.js';
import type { Command, GlobalOptions } from './command.js';

const USAGE = `Usage: lc [tui] [options]

The terminal UI: the DAG's outputs with their state across universes, the details of the
selected output, per-node utilisation, and the log of a running or failed task. Keys run,
force, verify and cancel (? shows them all). When another lc run holds the project, the UI
attaches to it read-only and shows it live.

Options:
  -u, --universe U   show and act on these universes only (repeatable; u changes it)
  -j, --jobs N       at most N tasks at once for runs started here
      --executor E   local, dask or auto (default: auto)
      --queue Q      runs started here compute in pilot jobs of queue Q (or Q1,Q2: each task
                     on the first that fits it; default LC_QUEUE, else scheduler.queue; inside
                     an allocation only when asked, beside its nodes); WORKERS shows the pilots
      --ascii        ASCII glyphs only (no unicode symbols or box drawing)
      --no-color     no colour (also NO_COLOR=1)

Examples:
  lc                              the live view of the project here
  lc -u baseline --ascii          one universe, ASCII only (old terminals, some tmux setups)
`;

const OPTIONS = {
  ...SELECT_OPTIONS,
  jobs: { type: 'string', short: 'j' },
  executor: { type: 'string' },
  queue: { type: 'string' },
  ascii: { type: 'boolean' },
} as const;

async function run(args: string[], g: GlobalOptions): Promise<number> {
  const { values, positionals } = parseCommandArgs('tui', args, OPTIONS);
  if (positionals.length) throw new LcError('USAGE', `lc tui: unexpected argument '${positionals[0]}'`, { hint: 'see lc tui --help' });
  const executor = (values.executor ?? 'auto') as ExecutorKind;
  if (!EXECUTOR_KINDS.includes(executor)) throw new LcError('USAGE', `lc tui: --executor must be one of ${EXECUTOR_KINDS.join(', ')}, not '${executor}'`);
  const jobs = values.jobs === undefined ? undefined : Number(values.jobs);
  if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1)) throw new LcError('USAGE', `lc tui: -j/--jobs needs a whole number >= 1, not '${values.jobs}'`);
  if (!process.stdout.isTTY || !process.stdin.isTTY) {
    throw new LcError('NOT_A_TERMINAL', 'lc tui needs a terminal (stdin and stdout must be a TTY)', {
      hint: 'use lc status, or lc run --plain for a log-friendly view',
    });
  }
  if (executor !== 'local') (await import('../../engine/queues/select.js')).selectQueue(findProjectRoot(g.cwd, g.projectDir), values.queue, process.env, 'lc tui');
  let saveSnapshot: (() => void) | undefined;
  const [{ runTui }, ctx] = await loadTui(g, (write) => (saveSnapshot = write));
  return runTui({ g, ctx, universes: values.universe ?? [], ascii: values.ascii === true, executor, jobs, afterFirstFrame: saveSnapshot });
}

/**
 * Ink and the project, loaded side by side (both mostly I/O). Ink's colour and React's production
 * build (the development one is several times slower per frame) are chosen when they are first
 * imported, from FORCE_COLOR and NODE_ENV: set for the import, then put back, so the recipes the
 * TUI runs see the user's environment. (The bundle in dist/bin has React's production build
 * only, see scripts/bundle.mjs; NODE_ENV matters when lc runs from its sources. `env` is an
 * alias so the bundler's NODE_ENV constant does not replace these reads and writes.)
 */
async function loadTui(g: GlobalOptions, deferSnapshot: (write: () => void) => void) {
  const env = process.env;
  const nodeEnv = env.NODE_ENV;
  const restoreColor = applyColor(g.color);
  env.NODE_ENV ??= 'production';
  try {
    return await Promise.all([import('../tui/main.js'), openProject(g, { deferSnapshot })]);
  } finally {
    restoreColor();
    if (nodeEnv === undefined) delete env.NODE_ENV;
  }
}

export const command: Command = {
  name: 'tui',
  summary: 'the terminal UI (default in a terminal): live DAG, run/force/stop keys',
  usage: USAGE,
  run,
};
