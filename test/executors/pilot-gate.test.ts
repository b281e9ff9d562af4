/** Where the pilot gate places a task: workers of its queue, or an allocation's own (no queue). */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PilotGate, type LiveWorker, type Work } from '../../engine/executors/dask/pilot-gate.js';
import type { Resources } from '../../engine/astra/model.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const task = (cpus: number, gpus = 0): Resources => ({ cpus, gpus }) as Resources;

/** A gate over fixed workers, with `work` as what the executor still has; resolves after its first tick. */
async function gate(
  workers: LiveWorker[],
  work: () => Work,
  pump: () => void = () => undefined,
): Promise<{ g: PilotGate; demand: () => Work }> {
  dir = mkdtempSync(join(tmpdir(), 'lc-gate-'));
  let ticked!: () => void;
  const first = new Promise<void>((r) => (ticked = r));
  const g = new PilotGate(
    dir,
    async () => workers,
    work,
    () => {
      pump();
      ticked();
    },
  );
  g.wake();
  await first;
  const demandDir = dir;
  await new Promise((r) => setImmediate(r));
  return {
    g,
    demand: () => JSON.parse(readFileSync(join(demandDir, `${process.pid}.json`), 'utf8')) as Work,
  };
}

describe('pilot gate', () => {
  it('a queue’s worker takes that queue’s tasks only; a worker of no queue (an allocation’s node) takes any', async () => {
    const { g } = await gate(
      [
        { address: 'tls://own:1', cpus: 2, gpus: 0 },
        { address: 'tls://gpu:1', cpus: 4, gpus: 1, queue: 'gpu' },
      ],
      () => ({ tasks: 1, cpus: 1, gpus: 0 }),
    );
    expect(g.place(task(2), 'cpu')).toBe('tls://own:1');
    // the allocation's worker is full with what was sent there; the gpu pilot is not cpu's
    g.sent(task(2), 'tls://own:1');
    expect(g.place(task(2), 'cpu')).toBeUndefined();
    expect(g.place(task(1, 1), 'gpu')).toBe('tls://gpu:1');
    // a task of no queue (it fits none) only on the allocation's nodes
    g.done(task(2), 'tls://own:1');
    expect(g.place(task(1), undefined)).toBe('tls://own:1');
    g.sent(task(2), 'tls://own:1');
    expect(g.place(task(1), undefined)).toBeUndefined();
    g.close();
  });

  it('the demand file says what is left once the pump handed the live workers what they had room for', async () => {
    let left: Work = { tasks: 3, cpus: 6, gpus: 0, queues: { cpu: { tasks: 3, cpus: 6, gpus: 0 } } };
    // the pump hands one task to the allocation's node: two wait for a pilot
    const pump = () => (left = { tasks: 2, cpus: 4, gpus: 0, queues: { cpu: { tasks: 2, cpus: 4, gpus: 0 } } });
    const { g, demand } = await gate([{ address: 'tls://own:1', cpus: 2, gpus: 0 }], () => left, pump);
    expect(demand()).toMatchObject({ version: 1, tasks: 2, cpus: 4, queues: { cpu: { tasks: 2 } } });
    g.close();
  });

  it('a task goes to no worker that retires before such a task would end, unless tasks are too long for any pilot', async () => {
    const soon = Date.now() + 5_000;
    const later = Date.now() + 600_000;
    const { g } = await gate(
      [{ address: 'tls://old:1', cpus: 2, gpus: 0, queue: 'cpu', retiresAt: soon, lifetimeMs: 60_000 }],
      () => ({ tasks: 1, cpus: 1, gpus: 0 }),
    );
    // nothing known of the tasks' run time yet: it goes there
    expect(g.place(task(1), 'cpu')).toBe('tls://old:1');
    g.took(8_000);
    // 8 s tasks, 5 s left: it waits for the next pilot
    expect(g.place(task(1), 'cpu')).toBeUndefined();
    g.close();
    const fresh = await gate(
      [
        { address: 'tls://old:1', cpus: 2, gpus: 0, queue: 'cpu', retiresAt: soon, lifetimeMs: 60_000 },
        { address: 'tls://new:1', cpus: 2, gpus: 0, queue: 'cpu', retiresAt: later, lifetimeMs: 60_000 },
      ],
      () => ({ tasks: 1, cpus: 1, gpus: 0 }),
    );
    fresh.g.took(8_000);
    expect(fresh.g.place(task(1), 'cpu')).toBe('tls://new:1');
    fresh.g.close();
    // tasks of 40 s and pilots living 60 s: no pilot would hold one twice over, it runs where it can
    const long = await gate(
      [{ address: 'tls://old:1', cpus: 2, gpus: 0, queue: 'cpu', retiresAt: soon, lifetimeMs: 60_000 }],
      () => ({ tasks: 1, cpus: 1, gpus: 0 }),
    );
    long.g.took(40_000);
    expect(long.g.place(task(1), 'cpu')).toBe('tls://old:1');
    long.g.close();
  });
});
