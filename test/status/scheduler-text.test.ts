/** `lc scheduler status` as text: a session of one queue as ever, one of several queues per queue. */
import { describe, expect, it } from 'vitest';
import { paint } from '../../src/color.js';
import { renderSchedulerStatus } from '../../src/render/scheduler-text.js';
import type { SchedulerStatus } from '../../engine/scheduler/status.js';

const base: SchedulerStatus = {
  version: 1,
  mode: 'pilots',
  key: 'pilots-abc-cpu',
  running: true,
  state: 'ready',
  address: 'tls://10.0.0.1:4000',
  workers: [],
};
const running = {
  id: '11',
  queue: 'cpu',
  submittedAt: '2026-01-01T00:00:00Z',
  state: 'RUNNING',
  nodes: 'node1',
  timeLeft: '9:00',
};
const pending = { id: '12', queue: 'gpu', submittedAt: '2026-01-01T00:00:00Z', state: 'PENDING', reason: 'Resources' };

describe('lc scheduler status, pilots', () => {
  it('one queue: its jobs under one pilots line', () => {
    const cpu = { queue: 'cpu', maxJobs: 4, jobs: [running] };
    const text = renderSchedulerStatus({ ...base, pilots: { ...cpu, queues: [cpu] } }, paint(false));
    expect(text).toContain('pilots:    1 of at most 4 (queue cpu)\n  job 11  running on node1, 9:00 left\n');
  });

  it('several queues: their sum, then each queue with its jobs and its refusal', () => {
    const cpu = { queue: 'cpu', maxJobs: 4, jobs: [running] };
    const gpu = { queue: 'gpu', maxJobs: 2, jobs: [pending], refused: 'QOSMaxSubmitJobPerUserLimit' };
    const st: SchedulerStatus = {
      ...base,
      pilots: { queue: 'cpu,gpu', maxJobs: 6, jobs: [running, pending], queues: [cpu, gpu] },
    };
    expect(renderSchedulerStatus(st, paint(false))).toContain(
      [
        'pilots:    2 of at most 6 (queues cpu, gpu; a task goes to the first that fits it)',
        '  1 of at most 4 (queue cpu)',
        '    job 11  running on node1, 9:00 left',
        '  1 of at most 2 (queue gpu)  sbatch refused: QOSMaxSubmitJobPerUserLimit',
        '    job 12  pending (Resources)',
        '',
      ].join('\n'),
    );
  });
});
