/** Several queues: `--queue`/LC_QUEUE/`scheduler.queue` lists, and each task going to the first queue that fits it. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { queuesNamed, readQueueSettings } from '../../engine/queues/config.js';
import { queueResource, routeTask } from '../../engine/queues/route.js';
import { selectQueue } from '../../engine/queues/select.js';
import type { PilotQueue } from '../../engine/scheduler/meta.js';
import { tempDir } from '../helpers/lc.js';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

function project(yaml: string) {
  const t = tempDir('lc-route-');
  cleanup = t.cleanup;
  const root = join(t.dir, 'project');
  mkdirSync(join(root, '.lightcone'), { recursive: true });
  writeFileSync(join(root, '.lightcone/lightcone.yaml'), yaml);
  return { root, env: { HOME: join(t.dir, 'home') } as NodeJS.ProcessEnv };
}

const QUEUES = 'queues:\n  cpu: {cpus: 4, memory: 8GB}\n  gpu: {cpus: 16, memory: 64GB, gpus: 4}\n';

const pilot = (name: string, cpus: number, gpus: number, memoryBytes?: number): PilotQueue => ({
  name,
  nodes: 1,
  cpus,
  ...(memoryBytes !== undefined ? { memoryBytes } : {}),
  gpus,
  walltimeS: 3600,
  maxJobs: 1,
  lifetimeMarginS: 600,
  idleTimeoutS: 60,
  sbatch: [],
  declared: { cpus: true, memory: memoryBytes !== undefined },
});

describe('several queues', () => {
  it('scheduler.queue as a YAML list or a comma list, in order', () => {
    expect(readQueueSettings(project(`${QUEUES}scheduler:\n  queue: [gpu, cpu]\n`).root).defaultQueues).toEqual([
      'gpu',
      'cpu',
    ]);
    expect(readQueueSettings(project(`${QUEUES}scheduler:\n  queue: "cpu, gpu"\n`).root).defaultQueues).toEqual([
      'cpu',
      'gpu',
    ]);
  });

  it('--queue cpu,gpu goes into LC_QUEUE as given; a list naming an unknown queue, or one twice, is refused', () => {
    const { root, env } = project(QUEUES);
    expect(selectQueue(root, 'cpu,gpu', env)).toEqual(['cpu', 'gpu']);
    expect(env.LC_QUEUE).toBe('cpu,gpu');
    expect(() => selectQueue(root, 'cpu,tpu', { ...env })).toThrow(
      /lc run --queue: no queue named 'tpu' \(there are: cpu, gpu\)/,
    );
    expect(() => selectQueue(root, 'cpu,cpu', { ...env })).toThrow(/lc run --queue: queue 'cpu' is named twice/);
    expect(() => selectQueue(root, 'cpu,', { ...env })).toThrow(/lc run --queue: 'cpu,' has an empty queue name/);
    expect(queuesNamed(readQueueSettings(root, env), 'gpu', 'LC_QUEUE').map((q) => q.name)).toEqual(['gpu']);
  });

  it('a task goes to the first listed queue whose node holds its cpus, memory and GPUs', () => {
    const cpu = pilot('cpu', 4, 0, 8e9);
    const gpu = pilot('gpu', 16, 4, 64e9);
    const route = (cpus: number, gpus: number, memoryBytes?: number, queues = [cpu, gpu]) =>
      routeTask({ cpus, gpus, ...(memoryBytes !== undefined ? { memoryBytes } : {}) }, queues)?.name;
    expect(route(1, 0)).toBe('cpu');
    expect(route(4, 0)).toBe('cpu');
    expect(route(8, 0)).toBe('gpu'); // more cpus than a cpu node has
    expect(route(1, 0, 16e9)).toBe('gpu'); // more memory
    expect(route(1, 1)).toBe('gpu');
    expect(route(1, 0, undefined, [gpu, cpu])).toBe('gpu'); // the order is the user's
    expect(route(32, 0)).toBeUndefined();
    expect(route(1, 8)).toBeUndefined();
  });

  it('inside an allocation a queue is used only when asked for: --queue or LC_QUEUE, never the settings’ default', () => {
    const { root, env } = project(`${QUEUES}scheduler:\n  queue: cpu\n`);
    const inJob = { ...env, SLURM_JOB_ID: '42' };
    expect(selectQueue(root, undefined, inJob)).toBeUndefined();
    expect(inJob.LC_QUEUE).toBeUndefined();
    expect(selectQueue(root, 'gpu', inJob)).toEqual(['gpu']);
    expect(inJob.LC_QUEUE).toBe('gpu');
    const fromEnv = { ...env, SLURM_JOB_ID: '42', LC_QUEUE: 'cpu,gpu' };
    expect(selectQueue(root, undefined, fromEnv)).toEqual(['cpu', 'gpu']);
    expect(() => selectQueue(root, 'tpu', { ...env, SLURM_JOB_ID: '42' })).toThrow(
      /lc run --queue: no queue named 'tpu'/,
    );
    // outside one, the default applies
    expect(selectQueue(root, undefined, { ...env })).toEqual(['cpu']);
  });

  it('a task asks for one unit of its queue’s resource', () => {
    expect(queueResource('gpu')).toBe('lc-queue-gpu');
  });
});
