/**
 * What the supervisor asks SLURM: is our job still there, and on which node the scheduler goes.
 */
import { execFile } from 'node:child_process';

/**
 * The node for the session scheduler's step: the one lc runs on when it runs on a node of the
 * allocation (SLURMD_NODENAME), else the allocation's first node; undefined when SLURM does not
 * say (then srun's --relative=0 picks). Named explicitly because a step started from inside
 * another step counts --relative within its own view, which SLURM versions differ on.
 */
export function schedulerNode(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const here = env.SLURMD_NODENAME?.trim();
  if (here) return Promise.resolve(here);
  const list = (env.SLURM_JOB_NODELIST ?? env.SLURM_NODELIST)?.trim();
  if (!list) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    execFile('scontrol', ['show', 'hostnames', list], { timeout: 15_000 }, (err, stdout) => {
      resolve(err ? undefined : String(stdout).split('\n')[0]?.trim() || undefined);
    });
  });
}

/** True only when squeue positively says the job no longer runs (errors keep us alive). */
export function slurmJobGone(job: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('squeue', ['-h', '-j', job, '-o', '%T'], { timeout: 15_000 }, (err, stdout, stderr) => {
      if (err) resolve(/invalid job id/i.test(String(stderr)));
      else {
        const st = String(stdout).trim();
        resolve(
          st === '' ||
            /^(COMPLETED|CANCELLED|FAILED|TIMEOUT|NODE_FAIL|PREEMPTED|BOOT_FAIL|DEADLINE|OUT_OF_MEMORY)/.test(st),
        );
      }
    });
  });
}
