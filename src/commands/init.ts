/**
 * `lc init [DIR] [--container] [--example NAME]`: start a project that validates and runs at
 * once, or copy a bundled example. Never overwrites: a directory that already holds astra.yaml
 * (or any file init would write) is refused with nothing written.
 */
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { LcError } from '../../engine/errors.js';
import { pythonDir } from '../../engine/executors/dask/python.js';
import { parseCommandArgs } from '../args.js';
import { paint } from '../color.js';
import { initFiles } from '../init-templates.js';
import { didYouMean } from '../suggest.js';
import type { Command } from './command.js';

const USAGE = `Usage: lc init [DIR] [--container] [--example NAME]

Start an ASTRA project in DIR (default: here) that validates and runs at once: astra.yaml with
one decision and a two-output chain, universes/baseline.yaml and universes/tenfold.yaml, its
input under data/, recipes in scripts/, a .gitignore for results and lc's state, and
.lightcone/lightcone.yaml with lc's settings commented out. Nothing is overwritten: a DIR that
already holds astra.yaml, or any file init would write, is refused.

Options:
  --container       recipes run in the image of a Containerfile init writes too
  --example NAME    copy a bundled example instead (${'line-fit'}: a line fit under four universes)
  --no-color        no ANSI colour

Examples:
  lc init my-analysis && cd my-analysis && lc run
  lc init --example line-fit && cd line-fit && lc
`;

/** Where the bundled examples are: beside python/ in the installed package. */
const examplesDir = () => join(dirname(pythonDir()), 'examples');

/** What a project id may be (ASTRA): lower case, a letter first. */
function projectId(dir: string): string {
  const id = basename(dir).toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return /^[a-z]/.test(id) ? id : `project_${id}`.replace(/_$/, '');
}

export const command: Command = {
  name: 'init',
  summary: 'start a project that runs at once (or copy a bundled example)',
  usage: USAGE,
  run: async (args, g) => {
    const { values, positionals } = parseCommandArgs('init', args, {
      container: { type: 'boolean' },
      example: { type: 'string' },
      'no-color': { type: 'boolean' },
      color: { type: 'boolean' },
    });
    if (positionals.length > 1) throw new LcError('USAGE', `lc init: one directory at most, not ${positionals.length}`, { hint: 'see lc init --help' });
    const p = paint(g.color);
    if (values.example !== undefined) {
      const to = resolve(g.cwd, positionals[0] ?? values.example);
      copyExample(values.example, to);
      return done(to, g.cwd, p, `copied example ${values.example}`);
    }
    const to = resolve(g.cwd, positionals[0] ?? '.');
    const files = initFiles({ id: projectId(to), container: values.container === true });
    const taken = Object.keys(files).filter((f) => existsSync(join(to, f)));
    if (taken.length > 0)
      throw new LcError('PROJECT_EXISTS', `lc init: ${join(relative(g.cwd, to) || '.', taken[0] as string)} exists: nothing written`, {
        hint: taken.includes('astra.yaml') ? 'this directory already holds a project' : 'name a new directory',
      });
    for (const [rel, text] of Object.entries(files)) {
      const path = join(to, rel);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      if (rel.endsWith('.sh')) chmodSync(path, 0o755);
    }
    return done(to, g.cwd, p, 'created project');
  },
};

function copyExample(name: string, to: string): void {
  const from = join(examplesDir(), name);
  if (!existsSync(join(from, 'astra.yaml'))) {
    const known = existsSync(examplesDir()) ? readdirSync(examplesDir()) : [];
    throw new LcError('USAGE', `lc init: no bundled example '${name}'${didYouMean(name, known)} (there are: ${known.join(', ') || 'none'})`);
  }
  if (existsSync(to) && readdirSync(to).length > 0) throw new LcError('PROJECT_EXISTS', `lc init: ${to} is not empty: nothing written`, { hint: 'name a new directory' });
  // as shipped: without what a run left in it
  cpSync(from, to, { recursive: true, filter: (src) => !['results', '.lightcone'].includes(relative(from, src).split(sep)[0] ?? '') });
}

function done(to: string, cwd: string, p: ReturnType<typeof paint>, what: string): number {
  const rel = relative(cwd, to);
  process.stdout.write(`${p.tone('ok', what)} in ${rel || '.'}\n`);
  process.stdout.write(p.dim(`next: ${rel ? `cd ${rel} && ` : ''}lc run   (then lc for the live view, lc status for what is ok)`) + '\n');
  return 0;
}
