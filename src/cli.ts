#!/usr/bin/env node
/**
 * `lc` entry point: global flags, colour decision, subcommand dispatch, error -> exit code.
 * Exit codes: 0 success, 1 failure (or work pending with --check), 2 usage error, 130 interrupted.
 */
import { LcError } from '../engine/errors.js';
import { decideColor, paint } from './color.js';
import type { Command, GlobalOptions } from './commands/command.js';
import { COMMAND_NAMES, findCommand, loadCommands } from './commands/index.js';
import { quietOnBrokenPipe } from './pipe.js';
import { allowProgress } from './progress.js';
import { didYouMean } from './suggest.js';
import { errorJson, printError } from './diagnostics.js';
import { cancelEarlyPrefetch, startEarlyPrefetch } from './early-prefetch.js';
import { toolVersion } from './version.js';

async function helpText(): Promise<string> {
  const commands = await loadCommands();
  const width = Math.max(...commands.map((c) => c.name.length));
  const cmds = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return `lc ${toolVersion()}: run, verify and watch ASTRA multiverse analyses

Usage: lc [global options] [command] [options]

With no command, lc opens the terminal UI in a terminal, and prints \`lc status\` otherwise.

Commands:
${cmds}

Global options:
  -C, --project DIR  project directory (default: the first parent holding astra.yaml)
  --no-color         no ANSI colour (also: NO_COLOR=1); --color forces it
  -h, --help         this help (lc help COMMAND, lc COMMAND --help: a command's options)
  -V, --version      print the version (also: lc version)

Environment:
  LIGHTCONE_SCRATCH      logs, caches and scheduler state (default: scratch_root in
                         .lightcone/lightcone.yaml, else $SCRATCH, else .lightcone/ in the project)
  LC_PYTHON              the Python that runs Dask (default: the first python3 with distributed)
  LC_QUEUE               compute in pilot jobs of this queue (in an allocation: beside its nodes)
  DASK_SCHEDULER_ADDRESS run on this Dask scheduler (attach only)
  LC_CONTAINER_RUNTIME   podman, podman-hpc, apptainer, singularity, docker or none
  LC_SCHEDULER_IDLE_TIMEOUT, LC_SCHEDULER_INTERFACE: the session scheduler's idle timeout and
                         network interface
  LIGHTCONE_ALLOW_LOGIN_NODE=1: run on a Perlmutter login node anyway
  NO_COLOR, FORCE_COLOR  no colour / colour even when piped
  Recipes see LIGHTCONE_TASK_ID, LIGHTCONE_UNIVERSE, LIGHTCONE_OUTPUT, LIGHTCONE_OUTDIR,
  LIGHTCONE_ATTEMPT, LIGHTCONE_RUN_ID and LIGHTCONE_CPUS.

Exit codes: 0 success, 1 failure (or work pending with --check), 2 usage error, 130 interrupted.

Examples:
  lc                         the live terminal UI of the project here
  lc run --plain             run what is not ok, one line per event (sbatch logs, CI)
  lc status fit -u baseline  one output in one universe, with the reasons it is not ok
  lc help run                the options of lc run
`;
}

function say(text: string): number {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  return 0;
}

/** A command by name; a mistyped one is a usage error with the nearest name. */
async function commandNamed(name: string): Promise<Command> {
  const cmd = await findCommand(name);
  if (cmd) return cmd;
  throw new LcError('USAGE', `unknown command '${name}'${didYouMean(name, [...COMMAND_NAMES, 'help', 'version'])}`, { hint: 'lc --help lists the commands' });
}

/** Split global options (before the command name) from the command and its args. */
export function splitArgv(argv: string[]): { projectDir?: string; rest: string[]; help: boolean; version: boolean } {
  let projectDir: string | undefined;
  let help = false;
  let version = false;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '-C' || a === '--project') {
      const v = argv[i + 1];
      if (v === undefined) throw new LcError('USAGE', `${a} needs a directory`);
      projectDir = v;
      i++;
    } else if (a.startsWith('--project=')) {
      projectDir = a.slice('--project='.length);
    } else if (a === '--no-color' || a === '--color') {
      // consumed by decideColor; accepted anywhere
    } else if ((a === '-h' || a === '--help') && rest.length === 0) {
      help = true;
    } else if ((a === '-V' || a === '--version') && rest.length === 0) {
      version = true;
    } else {
      rest.push(a);
    }
  }
  return { projectDir, rest, help, version };
}

async function main(argv: string[]): Promise<number> {
  quietOnBrokenPipe();
  allowProgress(!argv.includes('--json'));
  const color = decideColor({ argv, env: process.env, isTTY: Boolean(process.stdout.isTTY) });
  const p = paint(color);
  const cwd = process.cwd();
  try {
    const { projectDir, rest, help, version } = splitArgv(argv);
    if (version) {
      process.stdout.write(`lightcone-tui ${toolVersion()}\n`);
      return 0;
    }
    if (help) {
      process.stdout.write(await helpText());
      return 0;
    }
    const g: GlobalOptions = { color, cwd, projectDir };
    // `lc -u U --ascii` (options, no command) passes them to the default command (tui or status).
    const optionsOnly = rest[0]?.startsWith('-') === true;
    const name = optionsOnly ? undefined : rest[0];
    const args = optionsOnly ? rest : rest.slice(1);
    const interactive = Boolean(process.stdout.isTTY && process.stdin.isTTY) && !process.env.CI && process.env.TERM !== 'dumb';
    const cmdName = name ?? (interactive ? 'tui' : 'status');
    // First, so the prefetch worker is running before the command's modules load.
    await startEarlyPrefetch(cmdName, g, args);
    if (cmdName === '__complete') return (await import('./commands/completion.js')).complete(args, cwd);
    if (cmdName === 'version') return say(`lightcone-tui ${toolVersion()}\n`);
    if (cmdName === 'help') return say(args[0] === undefined ? await helpText() : (await commandNamed(args[0])).usage);
    const cmd = await commandNamed(cmdName);
    if (args.includes('--help') || args.includes('-h')) return say(cmd.usage);
    return await cmd.run(args, g).catch((e: unknown) => {
      // options alone went to the default command: the mistake is lc's to name, not that command's
      if (name === undefined && e instanceof LcError && e.code === 'USAGE' && e.message.startsWith(`lc ${cmdName}: `))
        throw new LcError('USAGE', `lc: ${e.message.slice(`lc ${cmdName}: `.length)}`, { hint: 'see lc --help' });
      throw e;
    });
  } catch (e) {
    // a script that asked for JSON gets its error as JSON, on stdout, where it reads
    if (argv.includes('--json')) process.stdout.write(errorJson(e, cwd));
    else printError(e, cwd, p);
    if (e instanceof LcError && e.code === 'USAGE') return 2;
    return 1;
  } finally {
    cancelEarlyPrefetch();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`lc: internal error: ${String(e)}\n`);
    process.exitCode = 1;
  },
);
