/** Queues for pilot jobs: fields, templates, the user's file under the project's, errors with file, line and field. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readQueueSettings, slurmTime, slurmTimeS } from '../../engine/queues/config.js';
import { tempDir } from '../helpers/lc.js';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

function setup(project?: string, user?: string) {
  const t = tempDir('lc-queues-');
  cleanup = t.cleanup;
  const root = join(t.dir, 'project');
  const home = join(t.dir, 'home');
  mkdirSync(join(root, '.lightcone'), { recursive: true });
  mkdirSync(join(home, '.lightcone'), { recursive: true });
  if (project !== undefined) writeFileSync(join(root, '.lightcone/lightcone.yaml'), project);
  if (user !== undefined) writeFileSync(join(home, '.lightcone/config.yaml'), user);
  return { root, env: { HOME: home } };
}

describe('queues', () => {
  it('fields, defaults, a template chain, and the default queue', () => {
    const { root, env } = setup(`queues:
  cpu:
    nodes: 2
    cpus: 128
    memory: 480GB
    walltime: "02:00:00"
    partition: regular
    account: m1234
    sbatch: ["--mail-type=NONE"]
    max_jobs: 20
    lifetime_margin: 10m
  gpu:
    template: cpu
    nodes: 1
    gpus: 4
    constraint: gpu
    max_jobs: 4
  tiny: {}
scheduler:
  queue: cpu
`);
    const s = readQueueSettings(root, env);
    expect(s.defaultQueues).toEqual(['cpu']);
    expect(s.queues.get('cpu')).toEqual({
      name: 'cpu',
      nodes: 2,
      cpus: 128,
      memoryBytes: 480e9,
      gpus: 0,
      walltimeS: 7200,
      partition: 'regular',
      account: 'm1234',
      sbatch: ['--mail-type=NONE'],
      maxJobs: 20,
      lifetimeMarginS: 600,
    });
    expect(s.queues.get('gpu')).toMatchObject({
      name: 'gpu',
      nodes: 1,
      cpus: 128,
      gpus: 4,
      constraint: 'gpu',
      partition: 'regular',
      maxJobs: 4,
      walltimeS: 7200,
    });
    expect(s.queues.get('tiny')).toEqual({
      name: 'tiny',
      nodes: 1,
      gpus: 0,
      walltimeS: 3600,
      sbatch: [],
      maxJobs: 1,
      lifetimeMarginS: 600,
    });
  });

  it('the user’s queues, the project’s of the same name replacing them; templates across the two files', () => {
    const { root, env } = setup(
      'queues:\n  big: {template: base, nodes: 4}\n  base: {walltime: 30m, max_jobs: 2}\n',
      'queues:\n  base: {walltime: 4h}\n  mine: {template: base}\nscheduler: {queue: mine}\n',
    );
    const s = readQueueSettings(root, env);
    expect(s.queues.get('base')?.walltimeS).toBe(1800);
    expect(s.queues.get('mine')).toMatchObject({ walltimeS: 1800, maxJobs: 2 });
    expect(s.queues.get('big')).toMatchObject({ nodes: 4, walltimeS: 1800 });
    expect(s.defaultQueues).toEqual(['mine']);
  });

  it('errors name the file, the line and the field', () => {
    const cases: [string, RegExp][] = [
      [
        'queues:\n  cpu:\n    nodes: 0\n',
        /lightcone\.yaml:3: queues\.cpu\.nodes: must be a whole number of nodes, at least 1/,
      ],
      ['queues:\n  cpu:\n    walltime: soon\n', /lightcone\.yaml:3: queues\.cpu\.walltime: 'soon' is not a time limit/],
      ['queues:\n  cpu:\n    nodez: 2\n', /lightcone\.yaml:3: queues\.cpu\.nodez: unknown field/],
      [
        'queues:\n  cpu:\n    template: gpu\n',
        /lightcone\.yaml:3: queues\.cpu\.template: no queue named 'gpu' to start from \(there are: cpu\)/,
      ],
      ['queues:\n  a: {template: b}\n  b: {template: a}\n', /queues\.(a|b)\.template: templates go round in a circle/],
      [
        'queues:\n  cpu:\n    walltime: 5m\n    lifetime_margin: 10m\n',
        /lightcone\.yaml:4: queues\.cpu\.lifetime_margin: must be shorter than the walltime \(300 s\)/,
      ],
      [
        'queues:\n  cpu: {}\nscheduler:\n  queue: gpu\n',
        /lightcone\.yaml:4: scheduler\.queue: no queue named 'gpu' under queues: \(there are: cpu\)/,
      ],
      ['queues:\n  cpu:\n    sbatch: --exclusive\n', /queues\.cpu\.sbatch: must be a list of sbatch options/],
      [
        'queues:\n  cpu: {}\nscheduler:\n  queue:\n    - cpu\n    - gpu\n',
        /lightcone\.yaml:6: scheduler\.queue\[1\]: no queue named 'gpu' under queues: \(there are: cpu\)/,
      ],
      [
        'queues:\n  cpu: {}\nscheduler:\n  queue: cpu,cpu\n',
        /lightcone\.yaml:4: scheduler\.queue: queue 'cpu' is named twice/,
      ],
      [
        'queues:\n  cpu: {}\nscheduler:\n  queue: []\n',
        /lightcone\.yaml:4: scheduler\.queue: must be the name of a queue under queues:, or a list of them/,
      ],
    ];
    for (const [text, re] of cases) {
      const { root, env } = setup(text);
      expect(() => readQueueSettings(root, env), text).toThrow(re);
      cleanup?.();
    }
  });

  it('SLURM time formats both ways', () => {
    expect(['30', '10:00', '02:00:00', '1-00:00:00', '2-12'].map(slurmTimeS)).toEqual([1800, 600, 7200, 86400, 216000]);
    expect([slurmTime(7200), slurmTime(90061)]).toEqual(['02:00:00', '1-01:01:01']);
  });

  it('an undeclared lifetime_margin fits a short walltime: a quarter of it, at most ten minutes', () => {
    const { root, env } = setup('queues:\n  declared: {walltime: "00:10:00", lifetime_margin: 10m}\n');
    expect(() => readQueueSettings(root, env)).toThrow(
      /queues\.declared\.lifetime_margin: must be shorter than the walltime \(600 s\)/,
    );
    writeFileSync(
      join(root, '.lightcone/lightcone.yaml'),
      'queues:\n  short: {walltime: "00:10:00"}\n  long: {walltime: "02:00:00"}\n  child: {template: short, walltime: "00:04:00"}\n',
    );
    const q = readQueueSettings(root, env).queues;
    expect([q.get('short')?.lifetimeMarginS, q.get('long')?.lifetimeMarginS, q.get('child')?.lifetimeMarginS]).toEqual([
      150, 600, 60,
    ]);
  });
});
