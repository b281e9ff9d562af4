/**
 * Plain-text rendering of a SchedulerStatus for `lc scheduler status`.
 */
import type { SchedulerStatus } from '../../engine/scheduler/status.js';
import { formatBytes, formatDuration } from '../../engine/units.js';
import type { Paint } from '../color.js';

const num = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(1));

export function renderSchedulerStatus(st: SchedulerStatus, p: Paint): string {
  const lines: string[] = [];
  const label = (k: string): string => p.dim(`${k}:`.padEnd(11));
  if (!st.running) {
    const what =
      st.mode === 'external'
        ? `the external scheduler at ${st.address} does not answer`
        : `no ${st.mode} scheduler running (key ${st.key})`;
    lines.push(`${label('scheduler')}${p.yellow(st.state ? `${st.state}` : 'not running')}  ${what}`);
    if (st.mode !== 'external') lines.push(p.dim('  `lc scheduler start` or `lc run --executor dask` starts one'));
    return lines.join('\n') + '\n';
  }
  lines.push(
    `${label('scheduler')}${p.green('running')}  ${st.mode}${st.mode === 'external' ? ' (DASK_SCHEDULER_ADDRESS)' : `, key ${st.key}`}`,
  );
  lines.push(`${label('address')}${st.address ?? '?'}`);
  if (st.host !== undefined) lines.push(`${label('host')}${st.host} (supervisor pid ${st.pid})`);
  if (st.uptimeS !== undefined) lines.push(`${label('uptime')}${formatDuration(st.uptimeS)}`);
  if (st.idleTimeoutS !== undefined) {
    const idle =
      st.idleLeftS === null || st.idleLeftS === undefined
        ? 'busy (tasks queued or running)'
        : `stops in ${formatDuration(st.idleLeftS)} if idle`;
    lines.push(`${label('idle')}${idle} (idle timeout ${formatDuration(st.idleTimeoutS)})`);
  }
  if (st.stateDir) lines.push(`${label('state')}${st.stateDir}`);
  const expected = st.expectedWorkers !== undefined && !st.pilots ? ` of ${st.expectedWorkers}` : '';
  lines.push(
    `${label('workers')}${st.workers.length}${expected}${st.workersError ? p.red(`  (${st.workersError})`) : ''}`,
  );
  if (st.pilots) {
    const pl = st.pilots;
    const several = pl.queues.length > 1;
    // one queue: its line as ever; several: their sum, then each queue's line and jobs
    if (several) lines.push(`${label('pilots')}${pl.jobs.length} of at most ${pl.maxJobs} (queues ${pl.queues.map((q) => q.queue).join(', ')}; a task goes to the first that fits it)`);
    for (const q of pl.queues) {
      const line = `${q.jobs.length} of at most ${q.maxJobs} (queue ${q.queue})${q.refused ? p.red(`  sbatch refused: ${q.refused}`) : ''}`;
      lines.push(several ? `  ${line}` : `${label('pilots')}${line}`);
      for (const j of q.jobs) {
        const where = j.state === 'PENDING' ? `pending (${j.reason ?? 'unknown reason'})` : `${(j.state ?? '?').toLowerCase()} on ${j.nodes ?? '?'}${j.timeLeft ? `, ${j.timeLeft} left` : ''}`;
        lines.push(`${several ? '    ' : '  '}job ${j.id}  ${where}`);
      }
    }
  }
  const width = Math.max(4, ...st.workers.map((w) => w.host.length));
  for (const w of st.workers) {
    const gpu =
      w.gpusTotal > 0
        ? `  gpus ${num(w.gpusInUse)}/${num(w.gpusTotal)}${w.gpuPercent.length ? ` (${w.gpuPercent.map((g) => `${g.toFixed(0)}%`).join(' ')})` : ''}`
        : '';
    lines.push(
      `  ${w.host.padEnd(width)}  cpu ${w.cpuPercent.toFixed(0).padStart(3)}%  mem ${formatBytes(w.memoryUsedBytes)} / ${formatBytes(w.memoryTotalBytes)}` +
        `  cpus ${num(w.cpusInUse)}/${num(w.cpusTotal)}${gpu}  tasks ${w.runningTasks.length}`,
    );
  }
  return lines.join('\n') + '\n';
}
