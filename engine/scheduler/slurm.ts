/**
 * What the supervisor asks SLURM: is our job still there, on which node the scheduler goes, and
 * (for pilot jobs) which address of this host the compute nodes reach.
 */
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';

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

/**
 * The address of this host on the way to the compute nodes (the source address of the route to
 * a node's NodeAddr; a UDP connect sends no packet), where a scheduler for pilot jobs listens.
 * Undefined when SLURM names no node address or the route is loopback: then the scheduler's own
 * choice (its host name's address) applies.
 */
export async function addressTowardNodes(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const out = await new Promise<string>((resolve) =>
    execFile('scontrol', ['show', 'nodes', '-o'], { env, timeout: 15_000 }, (err, stdout) => resolve(err ? '' : String(stdout))),
  );
  for (const m of out.matchAll(/\bNodeAddr=(\S+)/g)) {
    const local = await routeSource(m[1] as string).catch(() => undefined);
    if (local && !/^127\.|^::1$/.test(local)) return local;
  }
  return undefined;
}

function routeSource(target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createSocket(target.includes(':') ? 'udp6' : 'udp4');
    s.on('error', (e) => {
      s.close();
      reject(e);
    });
    s.connect(9, target, () => {
      const { address } = s.address();
      s.close();
      resolve(address);
    });
  });
}
