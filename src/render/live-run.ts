/**
 * How `lc status` and `lc verify` speak of the run holding the project (engine/runner/live-run.ts):
 * the state a task shows (the run's `running` / `queued` over its record), the line naming the
 * run, and its JSON.
 */
import type { LiveRun, LiveTask } from '../../engine/runner/live-run.js';
import type { TaskStatus } from '../../engine/status/types.js';
import { formatDuration } from '../../engine/units.js';
import type { Paint } from '../color.js';
import type { DisplayState } from '../style/states.js';

/** What a task is now: what the live run does with it, else its record. */
export function shownState(s: TaskStatus, live: LiveRun | null | undefined): DisplayState {
  return live?.tasks.get(s.id)?.state ?? s.state;
}

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** `on nid001 since 2026-12-07T05:55:04Z (2m 3s)`. */
export function liveTaskDetail(t: LiveTask, now: number): string {
  const since = `since ${isoSeconds(t.since)} (${formatDuration(Math.max(0, (now - t.since) / 1000))})`;
  return t.state === 'running' && t.host ? `on ${t.host} ${since}` : since;
}

/** The line naming the run that holds the project, or null when none does. */
export function liveRunLine(live: LiveRun | null | undefined, p: Paint, now: number): string | null {
  if (!live) return null;
  const h = live.holder;
  const who = `${live.command} (pid ${h.pid} on ${h.host}, started ${h.startedAt})`;
  if (!live.held) return p.yellow(`${who} left its lock and is gone: states are as recorded`);
  const pr = live.progress;
  if (!pr) return p.tone('running', `${who} holds this project`);
  const parts = [`${pr.succeeded}/${pr.planned} done`, `${pr.running} running`];
  if (pr.queued) parts.push(`${pr.queued} queued`);
  if (pr.failed) parts.push(`${pr.failed} failed`);
  if (pr.blocked) parts.push(`${pr.blocked} blocked`);
  const age = formatDuration(Math.max(0, (now - Date.parse(h.startedAt)) / 1000));
  return p.tone('running', `${who} is running, for ${age}: ${parts.join(', ')}`);
}

/** The `run` member of `lc status --json` and `lc verify --json`. */
export function liveRunJson(live: LiveRun | null | undefined) {
  if (!live) return null;
  const h = live.holder;
  return {
    command: live.command,
    pid: h.pid,
    host: h.host,
    started_at: h.startedAt,
    run_id: h.runId ?? null,
    held: live.held,
    progress: live.progress,
  };
}

/** The `live` member of a task in `--json`: what the run does with it now, or null. */
export function liveTaskJson(t: LiveTask | undefined) {
  if (!t) return null;
  return { state: t.state, host: t.host, since: new Date(t.since).toISOString() };
}
