/**
 * One `lc` subcommand. Commands parse their own arguments (node:util parseArgs), do their
 * work through engine/, print through src/ renderers, and return the exit code.
 */
export interface GlobalOptions {
  /** Project dir from -C/--project, if given. */
  projectDir?: string;
  /** Colour decided once at start-up (NO_COLOR, FORCE_COLOR, --no-color, TTY). */
  color: boolean;
  cwd: string;
}

export interface Command {
  name: string;
  summary: string;
  /** Full help text shown by `lc <name> --help`. */
  usage: string;
  run(args: string[], g: GlobalOptions): Promise<number>;
}
