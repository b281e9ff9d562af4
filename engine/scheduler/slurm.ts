/**
 * What the supervisor asks SLURM: is our job still there?
 */
import { execFile } from 'node:child_process';

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
