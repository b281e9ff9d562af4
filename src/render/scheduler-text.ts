/**
 * Plain-text rendering of a SchedulerStatus for `lc scheduler status`.
 */
import type { SchedulerStatus } from '../../engine/scheduler/status.js';
import type { Paint } from '../color.js';

export function formatDurationS(s: number): string {
  const t = Math.max(0, Math.round(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

export function formatBytes(b: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = b;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

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
  if (st.uptimeS !== undefined) lines.push(`${label('uptime')}${formatDurationS(st.uptimeS)}`);
  if (st.idleTimeoutS !== undefined) {
    const idle =
      st.idleLeftS === null || st.idleLeftS === undefined
        ? 'busy (tasks queued or running)'
        : `stops in ${formatDurationS(st.idleLeftS)} if idle`;
    lines.push(`${label('idle')}${idle} (idle timeout ${formatDurationS(st.idleTimeoutS)})`);
  }
  if (st.stateDir) lines.push(`${label('state')}${st.stateDir}`);
  const expected = st.expectedWorkers !== undefined ? ` of ${st.expectedWorkers}` : '';
  lines.push(
    `${label('workers')}${st.workers.length}${expected}${st.workersError ? p.red(`  (${st.workersError})`) : ''}`,
  );
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
