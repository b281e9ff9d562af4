/**
 * `lc completion bash|zsh|fish`: the shell script that completes lc's commands, options,
 * targets, universes and queues (src/completion.ts). `lc __complete` is what it calls.
 */
import { LcError } from '../../engine/errors.js';
import { completions, completionScript, SHELLS, type Shell } from '../completion.js';
import { didYouMean } from '../suggest.js';
import type { Command } from './command.js';

const USAGE = `Usage: lc completion bash|zsh|fish

Print the shell script that completes lc's commands, their options, and the project's targets,
universes and queues (asked of lc as you type, in the directory you are in).

Examples:
  source <(lc completion bash)                          in ~/.bashrc
  lc completion zsh > "\${fpath[1]}/_lc"                 then restart zsh
  lc completion fish > ~/.config/fish/completions/lc.fish
`;

export const command: Command = {
  name: 'completion',
  summary: 'the shell completion script (bash, zsh, fish)',
  usage: USAGE,
  run: async (args) => {
    const [shell, ...extra] = args;
    if (shell === undefined || extra.length > 0 || !(SHELLS as readonly string[]).includes(shell))
      throw new LcError('USAGE', `lc completion: name one shell: ${SHELLS.join(', ')}${shell ? didYouMean(shell, SHELLS) : ''}`, { hint: 'see lc completion --help' });
    process.stdout.write(completionScript(shell as Shell));
    return 0;
  },
};

/** `lc __complete INDEX WORD...`: one candidate per line (hidden: the scripts call it). */
export async function complete(args: string[], cwd: string): Promise<number> {
  const [index, ...words] = args;
  for (const c of await completions(Number(index), words, cwd)) process.stdout.write(`${c}\n`);
  return 0;
}
