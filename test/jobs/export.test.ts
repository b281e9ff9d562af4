/**
 * `lc export job` and the steps its run.sh calls, through real processes: a job run by hand
 * records a verified manifest that status, verify and run accept; what does not match its task
 * (an edited script, a changed spec, a missing input, scripts changed mid-run, a failed or timed
 * out command) records nothing; several tasks get run-all.sh and, with a queue, #SBATCH headers
 * and submit-all.sh.
 */
import { execa } from 'execa';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { lc, tempDir, writeProject } from '../helpers/lc.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir('lc-jobs-')));
afterAll(() => cleanup());

let n = 0;
/** A two-step project (prep -> report) in universes a and b, with its own scratch. */
function project(opts: { reportCommand?: string; reportResources?: string; config?: string } = {}) {
  const root = join(dir, `p${++n}`);
  writeProject(root, {
    'astra.yaml': `id: jobs
version: "0.0.12"
name: Jobs
inputs:
  - {id: seed, type: data, source: data/seed.txt}
decisions:
  scale:
    label: Scale
    options: {one: {label: One}, two: {label: Two}}
outputs:
  - id: prep
    type: data
    inputs: [seed]
    decisions: [scale]
    recipe:
      command: sh scripts/prep.sh {inputs.seed} {decisions.scale} {output}
  - id: report
    type: data
    inputs: [prep]
    recipe:
      command: ${JSON.stringify(opts.reportCommand ?? 'cat {inputs.prep}/value.txt > {output}/report.txt')}
      resources: ${opts.reportResources ?? '{cpus: 1}'}
`,
    'universes/a.yaml': 'id: a\ndecisions: {scale: one}\n',
    'universes/b.yaml': 'id: b\ndecisions: {scale: two}\n',
    'data/seed.txt': '21\n',
    'scripts/prep.sh': 'mkdir -p "$3"; echo "$(cat "$1") $2 $LIGHTCONE_TASK_ID" > "$3/value.txt"\n',
    ...(opts.config ? { '.lightcone/lightcone.yaml': opts.config } : {}),
  });
  const env = { LIGHTCONE_SCRATCH: join(root, '..', `p${n}-scratch`) };
  const run = (args: string[]) => lc(args, { cwd: root, env });
  const sh = async (script: string) => {
    const r = await execa('sh', [script], { cwd: dir, env, reject: false, all: true });
    return { exitCode: r.exitCode ?? -1, all: String(r.all) };
  };
  return { root, env, run, sh };
}

const manifestOf = (root: string, task: string) =>
  JSON.parse(readFileSync(join(root, 'results', task, '.lightcone-manifest.json'), 'utf8')) as Record<string, unknown>;

async function statusOf(run: (a: string[]) => ReturnType<typeof lc>): Promise<Record<string, string>> {
  const r = await run(['status', '--json']);
  const doc = JSON.parse(r.stdout) as { tasks: { id: string; state: string }[] };
  return Object.fromEntries(doc.tasks.map((t) => [t.id, t.state]));
}

describe('lc export job', () => {
  test('a job run by hand records a manifest that status, verify and run accept', async () => {
    const p = project();
    expect((await p.run(['run', '--plain', 'a/prep'])).exitCode).toBe(0);
    const jobDir = join(dir, 'job-report');
    const ex = await p.run(['export', 'job', 'a/report', '--to', jobDir]);
    expect(ex.exitCode, ex.stderr).toBe(0);
    expect(ex.stdout).toContain('exported a/report -> ');
    const r = await p.sh(join(jobDir, 'run.sh'));
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toMatch(/lc: recorded a\/report: 1 file\(s\), sha256:/);
    expect(readFileSync(join(p.root, 'results/a/report/report.txt'), 'utf8')).toBe('21 one a/prep\n');
    const m = manifestOf(p.root, 'a/report');
    expect(m).toMatchObject({
      executor: 'job',
      exit_code: 0,
      runtime: 'none',
      command: 'cat results/a/prep/value.txt > results/a/report/report.txt',
    });
    expect(m.input_versions).toEqual({ prep: manifestOf(p.root, 'a/prep').data_version });
    expect(existsSync(join(jobDir, 'begin.json'))).toBe(false);
    expect(readFileSync(join(jobDir, 'run.log'), 'utf8')).toBe('');
    expect((await statusOf(p.run))['a/report']).toBe('ok');
    expect((await p.run(['verify', 'a/report'])).exitCode).toBe(0);
    const again = await p.run(['run', '--plain', 'a/report']);
    expect(again.stdout).toMatch(/nothing to do|up to date/);
  });

  test('a missing input, an edited script and a changed spec run nothing and record nothing', async () => {
    const p = project();
    const jobDir = join(dir, 'job-refused');
    expect((await p.run(['export', 'job', 'b/report', '--to', jobDir])).exitCode).toBe(0);
    const missing = await p.sh(join(jobDir, 'run.sh'));
    expect(missing.exitCode).toBe(1);
    expect(missing.all).toMatch(
      /input prep of b\/report is missing: the output of task b\/prep \(results\/b\/prep\); nothing run \[JOB_INPUT_MISSING\]/,
    );
    expect(existsSync(join(p.root, 'results/b/report'))).toBe(false);

    expect((await p.run(['run', '--plain', 'b/prep'])).exitCode).toBe(0);
    const script = join(jobDir, 'run.sh');
    const original = readFileSync(script, 'utf8');
    writeFileSync(script, original.replace('report.txt', 'other.txt'));
    const edited = await p.sh(script);
    expect(edited.exitCode).toBe(1);
    expect(edited.all).toMatch(
      /run\.sh was edited below its #SBATCH lines since it was exported: nothing run, nothing recorded \[JOB_EDITED\]/,
    );
    expect(existsSync(join(p.root, 'results/b/report'))).toBe(false);

    writeFileSync(script, original);
    const spec = join(p.root, 'astra.yaml');
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('> {output}/report.txt', '> {output}/r.txt'));
    const stale = await p.sh(script);
    expect(stale.exitCode).toBe(1);
    expect(stale.all).toMatch(
      /task b\/report changed since this job was exported: its command is now .*r\.txt.* \[JOB_STALE\]/,
    );
    expect(existsSync(join(p.root, 'results/b/report'))).toBe(false);
  });

  test('#SBATCH lines may be edited: the job still records', async () => {
    const p = project({
      config: 'queues:\n  cpu: {partition: debug, account: astro, cpus: 4, walltime: "01:00:00"}\n',
    });
    expect((await p.run(['run', '--plain', 'a/prep'])).exitCode).toBe(0);
    const jobDir = join(dir, 'job-sbatch-edit');
    expect((await p.run(['export', 'job', 'a/report', '--to', jobDir, '--queue', 'cpu'])).exitCode).toBe(0);
    const script = join(jobDir, 'run.sh');
    writeFileSync(script, readFileSync(script, 'utf8').replace('--account=astro', '--account=other'));
    const r = await p.sh(script);
    expect(r.exitCode, r.all).toBe(0);
    expect(manifestOf(p.root, 'a/report').executor).toBe('job');
  });

  test('a failing command: its exit status, the failure in status, no manifest', async () => {
    const p = project({ reportCommand: 'echo broken >&2; exit 3' });
    expect((await p.run(['run', '--plain', 'a/prep'])).exitCode).toBe(0);
    const jobDir = join(dir, 'job-fails');
    expect((await p.run(['export', 'job', 'a/report', '--to', jobDir])).exitCode).toBe(0);
    const r = await p.sh(join(jobDir, 'run.sh'));
    expect(r.exitCode).toBe(3);
    expect(r.all).toMatch(/lc: a\/report failed: the command exited 3; nothing recorded/);
    expect(readFileSync(join(jobDir, 'run.log'), 'utf8')).toBe('broken\n');
    expect(existsSync(join(p.root, 'results/a/report/.lightcone-manifest.json'))).toBe(false);
    expect((await statusOf(p.run))['a/report']).toBe('failed');
  });

  test('the task’s time limit holds', async () => {
    const p = project({ reportCommand: 'sleep 30', reportResources: '{cpus: 1, time_limit: 1s}' });
    expect((await p.run(['run', '--plain', 'a/prep'])).exitCode).toBe(0);
    const jobDir = join(dir, 'job-slow');
    expect((await p.run(['export', 'job', 'a/report', '--to', jobDir])).exitCode).toBe(0);
    const t0 = Date.now();
    const r = await p.sh(join(jobDir, 'run.sh'));
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(r.exitCode).toBe(124);
    expect(r.all).toMatch(/failed: time limit of 1s reached; nothing recorded/);
  });

  test('scripts changed while the job ran: nothing recorded', async () => {
    const p = project({ reportCommand: 'sh scripts/report.sh {output}' });
    writeFileSync(join(p.root, 'scripts/report.sh'), 'echo x > "$1/r.txt"; echo "# edited" >> scripts/report.sh\n');
    expect((await p.run(['run', '--plain', 'a/prep'])).exitCode).toBe(0);
    const jobDir = join(dir, 'job-changed');
    expect((await p.run(['export', 'job', 'a/report', '--to', jobDir])).exitCode).toBe(0);
    const r = await p.sh(join(jobDir, 'run.sh'));
    expect(r.exitCode).toBe(1);
    expect(r.all).toMatch(
      /the scripts or container of a\/report changed while the job ran: nothing recorded \[JOB_CHANGED\]/,
    );
    expect(existsSync(join(p.root, 'results/a/report/.lightcone-manifest.json'))).toBe(false);
  });

  test('several tasks: one directory each, run-all.sh in dependency order, headers and submit-all.sh from a queue', async () => {
    const p = project({
      config:
        'queues:\n  cpu: {partition: debug, account: astro, cpus: 4, memory: 8GB, walltime: "02:00:00", sbatch: ["--comment=x"]}\n',
      reportResources: '{cpus: 2, memory: 1GB, time_limit: 10m}',
    });
    const jobDir = join(dir, 'jobs-all');
    const ex = await p.run(['export', 'job', 'prep', 'report', '-u', 'b', '--to', jobDir, '--queue', 'cpu', '--json']);
    expect(ex.exitCode, ex.stderr).toBe(0);
    const doc = JSON.parse(ex.stdout) as { jobs: { task: string; dir: string }[]; run_all: string; submit_all: string };
    expect(doc.jobs.map((j) => [j.task, j.dir])).toEqual([
      ['b/prep', join(jobDir, 'b', 'prep')],
      ['b/report', join(jobDir, 'b', 'report')],
    ]);
    const header = readFileSync(join(jobDir, 'b/report/run.sh'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('#SBATCH'));
    expect(header).toEqual([
      '#SBATCH --job-name=lc-report',
      '#SBATCH --nodes=1',
      '#SBATCH --ntasks=1',
      '#SBATCH --cpus-per-task=2',
      '#SBATCH --time=00:15:00',
      '#SBATCH --mem=954M',
      '#SBATCH --partition=debug',
      '#SBATCH --account=astro',
      '#SBATCH --comment=x',
      `#SBATCH --output=${join(jobDir, 'b/report/slurm-%j.out')}`,
    ]);
    const submit = readFileSync(doc.submit_all, 'utf8');
    expect(submit).toContain(`j0=$(sbatch --parsable ${join(jobDir, 'b/prep/run.sh')} | cut -d';' -f1)`);
    expect(submit).toContain(
      `j1=$(sbatch --parsable --dependency=afterok:$j0 ${join(jobDir, 'b/report/run.sh')} | cut -d';' -f1)`,
    );
    const r = await p.sh(doc.run_all);
    expect(r.exitCode, r.all).toBe(0);
    expect(await statusOf(p.run)).toMatchObject({ 'b/prep': 'ok', 'b/report': 'ok' });
  });

  test('--queue small,big: each job’s header from the first queue whose nodes hold its task; one no queue holds is refused', async () => {
    const p = project({
      config:
        'queues:\n  small: {partition: short, cpus: 1, walltime: "01:00:00"}\n  big: {partition: wide, cpus: 8, walltime: "04:00:00"}\n',
      reportResources: '{cpus: 4}',
    });
    const jobDir = join(dir, 'jobs-two-queues');
    const ex = await p.run(['export', 'job', 'prep', 'report', '-u', 'a', '--to', jobDir, '--queue', 'small,big']);
    expect(ex.exitCode, ex.stderr).toBe(0);
    const partition = (task: string) =>
      readFileSync(join(jobDir, task, 'run.sh'), 'utf8')
        .split('\n')
        .find((l) => l.startsWith('#SBATCH --partition='));
    expect(partition('a/prep')).toBe('#SBATCH --partition=short');
    expect(partition('a/report')).toBe('#SBATCH --partition=wide');
    expect(JSON.parse(readFileSync(join(jobDir, 'a/report/job.json'), 'utf8'))).toMatchObject({ queue: 'big' });
    expect(existsSync(join(jobDir, 'submit-all.sh'))).toBe(true);
    // the order is the user's: big first takes both
    const bigFirst = await p.run([
      'export',
      'job',
      'a/prep',
      '--to',
      join(dir, 'job-big-first'),
      '--queue',
      'big,small',
    ]);
    expect(bigFirst.exitCode, bigFirst.stderr).toBe(0);
    expect(readFileSync(join(dir, 'job-big-first', 'run.sh'), 'utf8')).toContain('#SBATCH --partition=wide');
    const none = await p.run(['export', 'job', 'a/report', '--to', join(dir, 'job-none'), '--queue', 'small,small2']);
    expect(none.stderr).toMatch(/no queue named 'small2'/);
    const config = 'queues:\n  small: {cpus: 1, walltime: "01:00:00"}\n  mid: {cpus: 2, walltime: "01:00:00"}\n';
    writeProject(p.root, { '.lightcone/lightcone.yaml': config });
    const narrow = await p.run(['export', 'job', 'a/report', '--to', join(dir, 'job-narrow'), '--queue', 'small,mid']);
    expect(narrow.exitCode).toBe(1);
    expect(narrow.stderr).toMatch(
      /task a\/report fits none of queues small, mid \(it needs 4 cpus; a node of queue small has 1 \/ 4 cpus; a node of queue mid has 2\): nothing written \[QUEUE_INVALID\]/,
    );
    expect(existsSync(join(dir, 'job-narrow'))).toBe(false);
  });

  test('what cannot be exported is refused before anything is written', async () => {
    const p = project({ config: 'queues:\n  small: {cpus: 1, walltime: "01:00:00"}\n', reportResources: '{cpus: 2}' });
    const wide = await p.run(['export', 'job', 'a/report', '--to', join(dir, 'job-wide'), '--queue', 'small']);
    expect(wide.exitCode).toBe(1);
    expect(wide.stderr).toMatch(
      /task a\/report needs 2 cpus; a node of queue small has 1: nothing written \[QUEUE_INVALID\]/,
    );
    expect(existsSync(join(dir, 'job-wide'))).toBe(false);

    const taken = join(dir, 'job-taken');
    writeProject(taken, { 'notes.txt': 'mine\n' });
    for (const extra of [[], ['--force']]) {
      const r = await p.run(['export', 'job', 'a/prep', '--to', taken, ...extra]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/is not empty and holds no earlier export: nothing written \[JOB_EXISTS\]/);
    }
    expect(readFileSync(join(taken, 'notes.txt'), 'utf8')).toBe('mine\n');

    const again = join(dir, 'job-again');
    expect((await p.run(['export', 'job', 'a/prep', '--to', again])).exitCode).toBe(0);
    const refused = await p.run(['export', 'job', 'a/prep', '--to', again]);
    expect(refused.stderr).toMatch(/holds an earlier export: nothing written \[JOB_EXISTS\]/);
    expect((await p.run(['export', 'job', 'a/prep', '--to', again, '--force'])).exitCode).toBe(0);

    const usage = await p.run(['export', 'job', 'a/prep']);
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toMatch(/--to DIR is required/);
  });
});
