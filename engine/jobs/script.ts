/**
 * run.sh of a hand-run job: an optional `#SBATCH` header, then `lc job begin`, the task's exact
 * command (in its container when it declares one, under its time limit), its output both shown
 * and kept in run.log, and `lc job record` with the command's exit status. The body is hashed
 * into job.json: begin and record refuse a script edited below its header, so a manifest never
 * names a command other than the one that ran.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { shellQuote } from '../astra/template.js';
import { RUN_LOG } from './job-file.js';

export interface ScriptParts {
  /** `#SBATCH` options (without the prefix); empty: no header. */
  sbatch: string[];
  /** One comment block saying what this is. */
  about: string[];
  jobDir: string;
  projectRoot: string;
  /** How to call this lc (node and its entry script). */
  lc: string[];
  /** LIGHTCONE_* variables the command sees, as lc run sets them. */
  env: Record<string, string>;
  /** The shell that runs the command (bash for bash-only syntax). */
  shell: string;
  /** The command as it runs: the task's, or its container wrapper. */
  command: string;
  timeLimitS?: number;
  /** Run before the command: removes a container a killed earlier run left under the same name. */
  cleanup?: string[];
}

const EXIT_FILE = '.exit-status';

export function runScript(p: ScriptParts): string {
  const q = shellQuote;
  const limit = p.timeLimitS !== undefined ? `timeout --kill-after=10 ${Math.ceil(p.timeLimitS)} ` : '';
  return [
    '#!/bin/sh',
    ...p.sbatch.map((o) => `#SBATCH ${o}`),
    ...p.about.map((l) => `# ${l}`),
    'set -u',
    `job=${q(p.jobDir)}`,
    `lc_job() { ${p.lc.map(q).join(' ')} job "$@"; }`,
    `cd ${q(p.projectRoot)} || exit 1`,
    'lc_job begin "$job" || exit $?',
    ...Object.entries(p.env).map(([k, v]) => `export ${k}=${q(v)}`),
    ...(p.cleanup ? [`${p.cleanup.map(q).join(' ')} >/dev/null 2>&1`] : []),
    `rm -f "$job/${EXIT_FILE}"`,
    // the output goes to the terminal (or SLURM's file) and to run.log; the status survives the pipe in a file
    `{ ${limit}${q(p.shell)} -c ${q(p.command)}; echo $? >"$job/${EXIT_FILE}"; } 2>&1 | tee "$job/${RUN_LOG}"`,
    `status=$(cat "$job/${EXIT_FILE}" 2>/dev/null || echo 1)`,
    `rm -f "$job/${EXIT_FILE}"`,
    'lc_job record "$job" --exit-code "$status"',
    '',
  ].join('\n');
}

/** sha256 of a script without its `#SBATCH` lines: site options may be edited, nothing else. */
export function scriptBodyHash(text: string): string {
  const body = text
    .split('\n')
    .filter((l) => !l.startsWith('#SBATCH'))
    .join('\n');
  return 'sha256:' + createHash('sha256').update(body, 'utf8').digest('hex');
}

/** The script of a set of jobs run one after another in dependency order (stops at the first failure). */
export function runAllScript(dirs: string[]): string {
  return ['#!/bin/sh', '# the jobs of this export, one after another, dependencies first; stops at the first failure', 'set -e', ...dirs.map((d) => `sh ${shellQuote(join(d, 'run.sh'))}`), ''].join('\n');
}

/** The script that submits every job with sbatch, each after the jobs it depends on succeeded. */
export function submitAllScript(jobs: { dir: string; after: number[] }[]): string {
  const lines = ['#!/bin/sh', '# submits the jobs of this export; each starts once the jobs it depends on succeeded', 'set -e'];
  jobs.forEach((j, i) => {
    const dep = j.after.length > 0 ? ` --dependency=afterok:${j.after.map((a) => `$j${a}`).join(':')}` : '';
    lines.push(`j${i}=$(sbatch --parsable${dep} ${shellQuote(join(j.dir, 'run.sh'))} | cut -d';' -f1)`);
    lines.push(`echo "submitted ${j.dir} as job $j${i}"`);
  });
  return [...lines, ''].join('\n');
}
