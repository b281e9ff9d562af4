/**
 * Shell completion: the scripts `lc completion bash|zsh|fish` prints, and the candidates they
 * ask lc for (`lc __complete INDEX WORD...`): commands, each command's options (read from its
 * --help text, so they never drift), and from the project here its targets, universes and
 * queues. A shell gets nothing when lc cannot tell, and falls back to file names.
 */
import { COMMAND_NAMES, findCommand } from './commands/index.js';
import { findProjectRoot } from './project-root.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export function completionScript(shell: Shell): string {
  if (shell === 'bash')
    return `# lc completion for bash: source <(lc completion bash), or save it in
# ~/.local/share/bash-completion/completions/lc
_lc() {
  local IFS=$'\\n'
  COMPREPLY=($(lc __complete "$COMP_CWORD" "\${COMP_WORDS[@]}" 2>/dev/null))
}
complete -o default -F _lc lc
`;
  if (shell === 'zsh')
    return `#compdef lc
# lc completion for zsh: save as _lc in a directory of $fpath, or: source <(lc completion zsh)
_lc() {
  local -a c
  c=("\${(@f)$(lc __complete $((CURRENT - 1)) "\${words[@]}" 2>/dev/null)}")
  if (( \${#c} )) && [[ -n "\${c[1]}" ]]; then compadd -a c; else _files; fi
}
compdef _lc lc
`;
  return `# lc completion for fish: lc completion fish > ~/.config/fish/completions/lc.fish
complete -c lc -f -a '(lc __complete (count (commandline -opc)) (commandline -opc) (commandline -ct))'
`;
}

/** Options whose value is a name lc can list. */
type ValueKind = 'universe' | 'queue' | 'runtime' | 'executor' | 'shell' | 'command' | 'none';

const VALUE_OF: Record<string, ValueKind> = {
  '-u': 'universe',
  '--universe': 'universe',
  '--queue': 'queue',
  '--runtime': 'runtime',
  '--executor': 'executor',
};

/** Positional words a command takes that are not targets. */
const SUBCOMMANDS: Record<string, readonly string[]> = {
  scheduler: ['start', 'status', 'stop'],
  export: ['job'],
  job: ['begin', 'record'],
  completion: SHELLS,
};

const TARGETED = new Set(['run', 'status', 'verify', 'dag', 'build', 'export', 'tui']);
const GLOBAL = ['-C', '--project', '--no-color', '--color', '--help', '--version'];

/** Candidates for `words[index]` (words[0] is `lc`), filtered by what is typed so far. */
export async function completions(index: number, words: readonly string[], cwd: string): Promise<string[]> {
  const current = words[index] ?? '';
  const before = words.slice(1, index);
  const prev = before.at(-1);
  const command = before.find(
    (w, i) => !w.startsWith('-') && !(i > 0 && (before[i - 1] === '-C' || before[i - 1] === '--project')),
  );
  const all = await candidates({ command, prev, current, cwd, positionals: before.filter((w) => !w.startsWith('-')) });
  return [...new Set(all)].filter((c) => c.startsWith(current));
}

interface Context {
  command: string | undefined;
  prev: string | undefined;
  current: string;
  cwd: string;
  positionals: string[];
}

async function candidates(c: Context): Promise<string[]> {
  const value = c.prev !== undefined ? VALUE_OF[c.prev] : undefined;
  if (value === 'queue') return queueList(c.current, await namesOf(value, c.cwd));
  if (value) return namesOf(value, c.cwd);
  if (c.prev === '-C' || c.prev === '--project' || c.prev === '--to') return [];
  if (c.command === undefined) return c.current.startsWith('-') ? GLOBAL : [...COMMAND_NAMES, 'help', 'version'];
  if (c.current.startsWith('-')) return optionsOf(c.command);
  const sub = SUBCOMMANDS[c.command];
  if (sub && c.positionals.length === 1) return [...sub];
  if (c.command === 'help') return c.positionals.length === 1 ? [...COMMAND_NAMES] : [];
  return TARGETED.has(c.command) ? targets(c.cwd, c.current) : [];
}

/** `--queue cpu,g`: the queues not listed yet, after what is typed up to the last comma. */
function queueList(current: string, names: readonly string[]): string[] {
  const comma = current.lastIndexOf(',');
  if (comma < 0) return [...names];
  const head = current.slice(0, comma + 1);
  const listed = new Set(head.split(','));
  return names.filter((n) => !listed.has(n)).map((n) => head + n);
}

/** The options a command's --help lists. */
async function optionsOf(name: string): Promise<string[]> {
  const cmd = await findCommand(name);
  if (!cmd) return [];
  return [...cmd.usage.matchAll(/(?:^|[\s,[|])(--?[a-zA-Z][a-z-]*)/g)]
    .map((m) => m[1] as string)
    .filter((o) => o !== '--' && !/^-[a-z]{2,}/.test(o));
}

async function namesOf(kind: ValueKind, cwd: string): Promise<string[]> {
  if (kind === 'executor') return ['auto', 'local', 'dask'];
  if (kind === 'runtime')
    return (await import('../engine/config/project-config.js')).CONTAINER_RUNTIME_SETTINGS.slice();
  const root = projectRoot(cwd);
  if (!root) return [];
  if (kind === 'queue') return [...(await import('../engine/queues/config.js')).readQueueSettings(root).queues.keys()];
  const dag = await projectDag(root, cwd);
  return dag?.universes ?? [];
}

/** Outputs, and `universe/output` once a universe is typed. */
async function targets(cwd: string, current: string): Promise<string[]> {
  const root = projectRoot(cwd);
  const dag = root ? await projectDag(root, cwd) : undefined;
  if (!dag) return [];
  const slash = current.indexOf('/');
  if (slash < 0) return [...dag.outputs, ...dag.universes.map((u) => `${u}/`)];
  const u = current.slice(0, slash);
  return dag.tasks.filter((t) => t.universe === u).map((t) => `${u}/${t.output}`);
}

function projectRoot(cwd: string): string | undefined {
  try {
    return findProjectRoot(cwd);
  } catch {
    return undefined;
  }
}

async function projectDag(root: string, cwd: string) {
  try {
    const { openProject } = await import('./project-context.js');
    return (await openProject({ cwd, projectDir: root, color: false })).dag;
  } catch {
    return undefined; // a spec that does not load completes nothing
  }
}
