/**
 * `lc job begin DIR` and `lc job record DIR --exit-code N`: the steps an exported job's run.sh
 * calls around its command (engine/jobs/steps.ts). The project is the one the job names.
 */
import { resolve } from 'node:path';
import { LcError } from '../../engine/errors.js';
import { beginJob, readJob, recordJob } from '../../engine/jobs/steps.js';
import { parseCommandArgs } from '../args.js';
import { paint } from '../color.js';
import { openProject } from '../project-context.js';
import type { Command } from './command.js';

const USAGE = `Usage: lc job begin DIR
       lc job record DIR --exit-code N

The steps of a job directory written by lc export job; its run.sh calls them around the
task's command, and they are seldom typed by hand.

  begin   checks that the job still matches the spec (run.sh unedited below its #SBATCH
          lines, same command, same image), that no lc run holds the project and that every
          input is there; empties the output directory; notes the inputs as they are now
  record  after exit status N: for 0, writes the verified manifest of the outputs (from what
          begin noted; nothing if the task's scripts changed meanwhile); otherwise the
          failure lc status shows. Exits N when N is not 0.

Options:
  --exit-code N     the command's exit status (record)
  --no-color        no ANSI colour

Examples:
  sh jobs/fit/run.sh              what lc export job wrote: it calls begin, the command, record
  lc job record jobs/fit --exit-code 0   record again after an lc run held the project
`;

export const command: Command = {
  name: 'job',
  summary: 'the begin and record steps of an exported job (run.sh calls them)',
  usage: USAGE,
  run: async (args, g) => {
    const { values, positionals } = parseCommandArgs('job', args, {
      'exit-code': { type: 'string' },
      'no-color': { type: 'boolean' },
      color: { type: 'boolean' },
    });
    const [step, dirArg, ...extra] = positionals;
    if ((step !== 'begin' && step !== 'record') || dirArg === undefined || extra.length > 0)
      throw new LcError('USAGE', 'lc job: expected begin DIR or record DIR --exit-code N', { hint: 'see lc job --help' });
    const dir = resolve(g.cwd, dirArg);
    const job = readJob(dir);
    const ctx = await openProject({ ...g, projectDir: job.project });
    const p = paint(g.color);
    if (step === 'begin') {
      await beginJob(ctx, dir, job);
      process.stderr.write(p.dim(`lc: ${job.task.id} begins (inputs noted, ${job.task.outdir} emptied)`) + '\n');
      return 0;
    }
    const code = Number(values['exit-code']);
    if (values['exit-code'] === undefined || !Number.isInteger(code) || code < 0)
      throw new LcError('USAGE', `lc job record: --exit-code needs the command's exit status, not '${values['exit-code'] ?? ''}'`);
    const out = await recordJob(ctx, dir, job, code);
    if (out.kind === 'failed') {
      process.stderr.write(`${p.red('lc:')} ${job.task.id} failed: ${out.reason}; nothing recorded (lc status shows it)\n`);
      return out.exitCode;
    }
    const m = out.manifest;
    process.stderr.write(`${p.tone('ok', 'lc: recorded')} ${job.task.id}: ${m.files.count} file(s), ${m.data_version.slice(0, 19)} in ${job.task.outdir}\n`);
    for (const w of out.warnings) process.stderr.write(`${p.yellow('warning:')} ${w}\n`);
    return 0;
  },
};
