import type { Command } from './command.js';

/**
 * Every subcommand, in the order `lc --help` lists them. Modules load lazily: a command pays
 * only for its own imports (the runner, Ink, Dask wiring...), not for every other command's,
 * which keeps `lc status` / `lc dag` / a no-op `lc run` fast.
 */
const LOADERS: Readonly<Record<string, () => Promise<{ command: Command }>>> = {
  init: () => import('./init.js'),
  run: () => import('./run.js'),
  build: () => import('./build.js'),
  status: () => import('./status.js'),
  verify: () => import('./verify.js'),
  results: () => import('./results.js'),
  validate: () => import('./validate.js'),
  dag: () => import('./dag.js'),
  scheduler: () => import('./scheduler.js'),
  tui: () => import('./tui.js'),
  export: () => import('./export.js'),
  job: () => import('./job.js'),
  completion: () => import('./completion.js'),
};

export const COMMAND_NAMES: readonly string[] = Object.keys(LOADERS);

export async function findCommand(name: string): Promise<Command | undefined> {
  const load = Object.hasOwn(LOADERS, name) ? LOADERS[name] : undefined;
  return load ? (await load()).command : undefined;
}

/** All commands (for `lc --help`, which needs every summary). */
export async function loadCommands(): Promise<Command[]> {
  return Promise.all(COMMAND_NAMES.map(async (n) => (await findCommand(n)) as Command));
}
