/**
 * Exported jobs submitted with sbatch from outside any allocation (this host is the login node)
 * on the real 2-node test cluster: the job runs on a compute node with the queue's header and
 * the task's resources, and leaves a verified manifest naming the SLURM job; submit-all.sh
 * chains dependent jobs with afterok.
 */
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { lc, tempDir, writeProject } from '../helpers/lc.js';
import { clusterEnv, waitFor } from './helpers.js';

let dir: string;
let cleanup: () => void;
let env: Record<string, string>;
let root: string;

beforeAll(() => {
  ({ dir, cleanup } = tempDir('lc-hpc-jobs-'));
  env = { ...clusterEnv(), NO_COLOR: '1', LIGHTCONE_SCRATCH: join(dir, 'scratch') };
  root = writeProject(join(dir, 'p'), {
    'astra.yaml': `id: jobs
version: "0.0.12"
name: Jobs
inputs: []
decisions: {}
outputs:
  - id: prep
    type: data
    recipe:
      command: "hostname > {output}/host.txt; echo $SLURM_JOB_ID > {output}/job.txt; echo $SLURM_CPUS_PER_TASK > {output}/cpus.txt"
      resources: {cpus: 2, time_limit: 5m}
  - id: report
    type: data
    inputs: [prep]
    recipe:
      command: "cat {inputs.prep}/host.txt > {output}/from.txt"
`,
    'universes/u.yaml': 'id: u\ndecisions: {}\n',
    '.lightcone/lightcone.yaml': `queues:
  cpu:
    cpus: 2
    memory: 1GB
    walltime: "00:10:00"
    partition: debug
    sbatch: ["--comment=lc-job-test"]
`,
  });
});
afterAll(() => cleanup());

const manifest = (task: string) =>
  JSON.parse(readFileSync(join(root, 'results', task, '.lightcone-manifest.json'), 'utf8')) as Record<string, unknown>;

async function gone(ids: string[]): Promise<boolean> {
  const q = await execa('squeue', ['-h', '-o', '%i'], { env, reject: false });
  const live = new Set(
    String(q.stdout)
      .split('\n')
      .map((l) => l.trim()),
  );
  return ids.every((id) => !live.has(id));
}

describe('exported jobs under sbatch', () => {
  test('a job submitted from the login node runs on a compute node and records a verified manifest', async () => {
    const jobDir = join(dir, 'job-prep');
    const ex = await lc(['export', 'job', 'u/prep', '--to', jobDir, '--queue', 'cpu'], { cwd: root, env });
    expect(ex.exitCode, ex.stderr).toBe(0);
    const sub = await execa('sbatch', ['--parsable', join(jobDir, 'run.sh')], { env });
    const id = String(sub.stdout).trim().split(';')[0] as string;
    const shown = String((await execa('scontrol', ['show', 'job', id], { env })).stdout);
    expect(shown).toMatch(/Partition=debug/);
    expect(shown).toMatch(/Comment=lc-job-test/);
    expect(shown).toMatch(/TimeLimit=00:10:00/);
    expect(await waitFor(() => gone([id]), 120_000, 500)).toBe(true);
    const out = readFileSync(join(jobDir, `slurm-${id}.out`), 'utf8');
    expect(out).toMatch(/lc: recorded u\/prep: 3 file\(s\)/);
    expect(readFileSync(join(root, 'results/u/prep/job.txt'), 'utf8').trim()).toBe(id);
    expect(readFileSync(join(root, 'results/u/prep/cpus.txt'), 'utf8').trim()).toBe('2');
    const m = manifest('u/prep');
    expect(m).toMatchObject({ executor: 'job', slurm_job_id: id, exit_code: 0 });
    expect(m.host).toBe(readFileSync(join(root, 'results/u/prep/host.txt'), 'utf8').trim());
    expect((await lc(['verify', 'u/prep'], { cwd: root, env })).exitCode).toBe(0);
  });

  test('submit-all.sh chains the jobs: the dependent one starts after the other succeeded', async () => {
    const jobDir = join(dir, 'jobs-all');
    const ex = await lc(['export', 'job', 'prep', 'report', '--to', jobDir, '--queue', 'cpu'], { cwd: root, env });
    expect(ex.exitCode, ex.stderr).toBe(0);
    const sub = await execa('sh', [join(jobDir, 'submit-all.sh')], { env });
    const ids = [...String(sub.stdout).matchAll(/as job (\d+)/g)].map((m) => m[1] as string);
    expect(ids).toHaveLength(2);
    const dep = String((await execa('scontrol', ['show', 'job', ids[1] as string], { env })).stdout);
    expect(dep).toMatch(new RegExp(`Dependency=afterok:${ids[0]}`));
    expect(await waitFor(() => gone(ids), 180_000, 500)).toBe(true);
    expect(manifest('u/report')).toMatchObject({ executor: 'job', slurm_job_id: ids[1] });
    expect(manifest('u/report').input_versions).toEqual({ prep: manifest('u/prep').data_version });
    const st = JSON.parse((await lc(['status', '--json'], { cwd: root, env })).stdout) as {
      tasks: { id: string; state: string }[];
    };
    expect(st.tasks.map((t) => [t.id, t.state])).toEqual([
      ['u/prep', 'ok'],
      ['u/report', 'ok'],
    ]);
  });
});
