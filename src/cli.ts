#!/usr/bin/env node
/**
 * `lc` entry point: global flags, colour decision, subcommand dispatch, error -> exit code.
 * Exit codes: 0 success, 1 failure (or work pending with --check), 2 usage error.
 */
import { LcError } from '../engine/errors.js';
import { applyColor, decideColor, paint } from './color.js';
import type { GlobalOptions } from './commands/command.js';
import { findCommand, loadCommands } from './commands/index.js';
import { printError } from './diagnostics.js';
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
  -h, --help         this help (lc COMMAND --help for a command's options)
  -V, --version      print the version
`;
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
  const color = decideColor({ argv, env: process.env, isTTY: Boolean(process.stdout.isTTY) });
  applyColor(color);
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
    const cmd = await findCommand(cmdName);
    if (!cmd) {
      process.stderr.write(`${p.red('lc:')} unknown command '${cmdName}'\n\n${await helpText()}`);
      return 2;
    }
    if (args.includes('--help') || args.includes('-h')) {
      process.stdout.write(cmd.usage.endsWith('\n') ? cmd.usage : `${cmd.usage}\n`);
      return 0;
    }
    return await cmd.run(args, g);
  } catch (e) {
    printError(e, cwd, p);
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
