import type { Command } from './command.js';
import { command as dag } from './dag.js';
import { command as run } from './run.js';
import { command as scheduler } from './scheduler.js';
import { command as status } from './status.js';
import { command as tui } from './tui.js';
import { command as validate } from './validate.js';
import { command as verify } from './verify.js';

/** Every subcommand, in the order `lc --help` lists them. */
export const COMMANDS: readonly Command[] = [run, status, verify, validate, dag, scheduler, tui];

export const findCommand = (name: string): Command | undefined => COMMANDS.find((c) => c.name === name);
