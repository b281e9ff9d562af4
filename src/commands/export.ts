/**
 * `lc export job [-u U]... TARGET... --to DIR [--queue Q] [--force] [--json]`: write a job
 * directory per selected task that runs without lc's scheduler (by hand, or with sbatch) and
 * still leaves a verified manifest (engine/jobs/).
 */
import { dirname, join, relative, resolve } from 'node:path';
import { selectTasks } from '../../engine/dag/index.js';
import { prepareContainers } from '../../engine/containers/plan.js';
import { LcError } from '../../engine/errors.js';
import { pythonDir } from '../../engine/executors/dask/python.js';
import { exportJobs } from '../../engine/jobs/export.js';
import { queuesNamed, readQueueSettings } from '../../engine/queues/config.js';
import { preflightDiagnostics } from '../../engine/runner/preflight.js';
import { parseCommandArgs, SELECT_OPTIONS } from '../args.js';
import { paint } from '../color.js';
import { snakeKeys } from '../render/json-keys.js';
import { formatDiagnostic } from '../diagnostics.js';
import { openProject } from '../project-context.js';
import type { Command } from './command.js';

const USAGE = `Usage: lc export job [-u UNIVERSE]... TARGET... --to DIR [--queue Q] [--force] [--json]

Write a job directory for each selected task, to run without lc's scheduler: by hand
(sh DIR/run.sh) or as a batch job (sbatch DIR/run.sh). run.sh holds the task's exact command,
in its container when it declares one, with the environment lc gives it and its time limit;
lc checks the job still matches the spec and that its inputs are there before the command
(lc job begin), and records a verified manifest after it when it exits 0 (lc job record). An
edited script, or a spec that changed since the export, records nothing.

One task: DIR is its job. Several: DIR/<universe>/<output>/ each, with DIR/run-all.sh (one
after another, dependencies first) and, with --queue, DIR/submit-all.sh (sbatch, each job
after the ones it depends on). The images the tasks run in are built or pulled first.

Targets: output, sub.output or universe/output (at least one).

Options:
  --to DIR          where to write (new, empty, or an earlier export with --force)
  --queue Q         an #SBATCH header from queue Q (partition, account, qos, ...; queues: in
                    .lightcone/lightcone.yaml) with the task's own cpus, memory, gpus and time;
                    Q1,Q2: each task's from the first queue whose nodes hold it
  -u, --universe U  only these universes (repeatable)
  --force           replace an earlier export in DIR
  --json            {"schema":1,"jobs":[{"task","dir"}],"run_all","submit_all"}
  --no-color        no ANSI colour

Examples:
  lc export job baseline/fit --to jobs/fit && sbatch jobs/fit/run.sh
  lc export job fit --to jobs/fit --queue cpu && sh jobs/fit/submit-all.sh
`;

export const command: Command = {
  name: 'export',
  summary: 'job directories to run by hand or with sbatch, still recording manifests',
  usage: USAGE,
  run: async (args, g) => {
    const { values, positionals } = parseCommandArgs('export', args, {
      ...SELECT_OPTIONS,
      to: { type: 'string' },
      queue: { type: 'string' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    const [what, ...targets] = positionals;
    if (what !== 'job') throw new LcError('USAGE', what === undefined ? 'lc export: say what to export (job)' : `lc export: cannot export '${what}' (only job)`, { hint: 'see lc export --help' });
    if (targets.length === 0) throw new LcError('USAGE', 'lc export job: name at least one TARGET', { hint: 'see lc export --help' });
    if (values.to === undefined) throw new LcError('USAGE', 'lc export job: --to DIR is required', { hint: 'see lc export --help' });
    const universes = values.universe ?? [];
    const ctx = await openProject(g, universes.length > 0 ? { universes } : {});
    const selected = selectTasks(ctx.dag, targets, universes);
    if (!selected.ok) throw selected.error;
    const queues = values.queue !== undefined ? queuesNamed(readQueueSettings(ctx.root), values.queue, 'lc export job --queue') : [];
    const p = paint(g.color);
    const { plan, problems } = await prepareContainers(ctx, selected.value);
    if (problems.length > 0) {
      for (const d of preflightDiagnostics(problems)) process.stderr.write(formatDiagnostic(d, g.cwd, p) + '\n');
      throw new LcError('PREFLIGHT', 'the images of the tasks cannot be had: nothing written');
    }
    const to = resolve(g.cwd, values.to);
    const lc = [process.execPath, join(dirname(pythonDir()), 'dist', 'bin', 'lc.js')];
    const out = exportJobs(ctx, selected.value, { to, force: values.force === true, plan, lc, queues });
    if (values.json) {
      process.stdout.write(JSON.stringify({ schema: 1, ...(snakeKeys(out) as object) }, null, 2) + '\n');
      return 0;
    }
    const rel = (path: string) => relative(g.cwd, path) || '.';
    for (const j of out.jobs) process.stdout.write(`${p.tone('ok', 'exported')} ${j.task} -> ${rel(join(j.dir, 'run.sh'))}\n`);
    const first = out.jobs[0]?.dir as string;
    const how = out.submitAll ? `sh ${rel(out.submitAll)}` : out.runAll ? `sh ${rel(out.runAll)}` : `sh ${rel(join(first, 'run.sh'))}${queues.length > 0 ? ` (or sbatch ${rel(join(first, 'run.sh'))})` : ''}`;
    process.stdout.write(p.dim(`run: ${how}`) + '\n');
    return 0;
  },
};
