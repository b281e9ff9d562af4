/** What one pilot job asks SLURM for, and what it runs: the queue's header, one worker per node retiring before the walltime. */
import { describe, expect, it } from 'vitest';
import { sbatchOptions } from '../../engine/queues/pilot-queue.js';
import type { QueueSpec } from '../../engine/queues/config.js';
import { pilotScript, submitEnv } from '../../engine/scheduler/pilots.js';
import { stateFiles, type SpawnSpec } from '../../engine/scheduler/meta.js';

const queue: QueueSpec = {
  name: 'gpu',
  nodes: 2,
  cpus: 64,
  memoryBytes: 256 * 2 ** 30,
  gpus: 4,
  walltimeS: 7200,
  partition: 'regular',
  account: 'm1234',
  constraint: 'gpu',
  sbatch: ['--mail-type=NONE'],
  maxJobs: 4,
  lifetimeMarginS: 600,
};

describe('pilot jobs', () => {
  it('sbatch options from the queue', () => {
    expect(sbatchOptions(queue)).toEqual([
      '--job-name=lc-pilot-gpu',
      '--nodes=2',
      '--ntasks-per-node=1',
      '--time=02:00:00',
      '--no-requeue',
      '--cpus-per-task=64',
      '--mem=262144M',
      '--gpus-per-node=4',
      '--partition=regular',
      '--account=m1234',
      '--constraint=gpu',
      '--mail-type=NONE',
    ]);
  });

  it('the batch script: the header, then one srun step of a worker per node that retires before the walltime', () => {
    const files = stateFiles('/scratch/.lightcone/scheduler/pilots-abc-gpu');
    const spec: SpawnSpec = {
      version: 1,
      key: 'pilots-abc-gpu',
      mode: 'pilots',
      expectedWorkers: 0,
      idleTimeoutS: 1800,
      python: '/usr/bin/python3',
      pythonDir: '/opt/lc/python',
      workerTimeoutS: 120,
      queue: {
        name: 'gpu',
        nodes: 2,
        cpus: 64,
        memoryBytes: 256 * 2 ** 30,
        gpus: 4,
        walltimeS: 7200,
        maxJobs: 4,
        lifetimeMarginS: 600,
        idleTimeoutS: 60,
        sbatch: sbatchOptions(queue),
        declared: { cpus: true, memory: true },
      },
    };
    const lines = pilotScript(spec, files).trimEnd().split('\n');
    expect(lines[0]).toBe('#!/bin/sh');
    expect(lines.filter((l) => l.startsWith('#SBATCH '))).toEqual([
      ...sbatchOptions(queue).map((o) => `#SBATCH ${o}`),
      '#SBATCH --export=ALL',
      '#SBATCH --output=/scratch/.lightcone/scheduler/pilots-abc-gpu/pilots/%j.log',
    ]);
    expect(lines.at(-1)).toBe(
      'exec srun --nodes=2 --ntasks=2 --ntasks-per-node=1 --kill-on-bad-exit=0 /usr/bin/python3 /opt/lc/python/lc_dask_launch.py worker ' +
        '--scheduler-file /scratch/.lightcone/scheduler/pilots-abc-gpu/scheduler.json --tls-dir /scratch/.lightcone/scheduler/pilots-abc-gpu/tls ' +
        '--local-directory /scratch/.lightcone/scheduler/pilots-abc-gpu/work --cpus 64 --memory 274877906944 --gpus 4 ' +
        '--lifetime 6600 --lifetime-stagger 300 --queue gpu --name-suffix "-$SLURM_JOB_ID" --lifetime-start "$(date +%s)"',
    );
  });

  it('a short walltime: the worker still retires the margin before it, staggered within half its lifetime', () => {
    const lifetimeArgs = (walltimeS: number, lifetimeMarginS: number) => {
      const spec: SpawnSpec = {
        version: 1,
        key: 'pilots-abc-cpu',
        mode: 'pilots',
        expectedWorkers: 0,
        idleTimeoutS: 1800,
        python: '/usr/bin/python3',
        pythonDir: '/opt/lc/python',
        workerTimeoutS: 120,
        queue: {
          name: 'cpu',
          nodes: 1,
          cpus: 2,
          gpus: 0,
          walltimeS,
          maxJobs: 1,
          lifetimeMarginS,
          idleTimeoutS: 60,
          sbatch: [],
          declared: { cpus: false, memory: false },
        },
      };
      return /--lifetime \d+ --lifetime-stagger \d+/.exec(pilotScript(spec, stateFiles('/s')))?.[0];
    };
    // a minute's walltime, half of it margin: retires 15-45 s into the job, never after it
    expect(lifetimeArgs(60, 30)).toBe('--lifetime 30 --lifetime-stagger 15');
    // a margin larger than what is left: the stagger cannot bring the retirement to the start
    expect(lifetimeArgs(60, 50)).toBe('--lifetime 10 --lifetime-stagger 5');
  });

  it('sbatch gets no variable of an enclosing allocation (its srun would read them), but keeps where SLURM is', () => {
    const env = submitEnv({
      PATH: '/usr/bin',
      SLURM_CONF: '/etc/slurm/slurm.conf',
      SLURM_JOB_ID: '42',
      SLURM_CPUS_PER_TASK: '4',
      SLURM_MEM_PER_NODE: '1000',
      SBATCH_ACCOUNT: 'm1234',
    });
    expect(env).toEqual({ PATH: '/usr/bin', SLURM_CONF: '/etc/slurm/slurm.conf', SBATCH_ACCOUNT: 'm1234' });
  });
});
