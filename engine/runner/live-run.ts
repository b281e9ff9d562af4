/**
 * The run that holds a project right now, as `lc status` and `lc verify` report it: who holds
 * the run lock (pid, host, start, command) and, for an `lc run`, what its journal says it is
 * doing: which tasks are running (where, since when) or queued, and how far it is. Both files
 * live in the scratch directory, so this works from any node that sees it. A lock left behind
 * by a holder that is gone is reported as such, with no live tasks: the records on disk are
 * then the truth.
 */
import { existsSync } from 'node:fs';
import { holderCommand, inspectRunLock, type RunLockHolder } from '../lock/run-lock.js';
import type { ScratchPaths } from '../scratch/paths.js';
import type { RunEvent } from '../events.js';
import { journalPath, readJournal } from './journal.js';

export interface LiveTask {
  state: 'running' | 'queued';
  /** Where it runs (null while queued). */
  host: string | null;
  /** Epoch ms: when it started, or was queued. */
  since: number;
}

export interface LiveProgress {
  planned: number;
  succeeded: number;
  failed: number;
  blocked: number;
  running: number;
  queued: number;
}

export interface LiveRun {
  holder: RunLockHolder;
  /** `lc run`, or the other command holding the lock (`lc verify --refresh`). */
  command: string;
  /** False: the holder is gone and left its lock (nothing is running). */
  held: boolean;
  /** From the run's journal; null for other commands, a lock left behind, or no journal yet. */
  progress: LiveProgress | null;
  tasks: ReadonlyMap<string, LiveTask>;
  /** Tasks the run planned and has not settled: their outputs may change under a reader. */
  unfinished: ReadonlySet<string>;
}

export async function readLiveRun(scratch: ScratchPaths): Promise<LiveRun | null> {
  const lock = inspectRunLock(scratch);
  if (!lock) return null;
  const command = holderCommand(lock.holder);
  const run: LiveRun = { holder: lock.holder, command, held: lock.held, progress: null, tasks: new Map(), unfinished: new Set() };
  if (!lock.held || lock.holder.command !== undefined || !lock.holder.runId) return run;
  const path = journalPath(scratch, lock.holder.runId);
  if (!existsSync(path)) return run;
  try {
    const { events } = await readJournal(path);
    return { ...run, ...foldEvents(events) };
  } catch {
    return run; // a journal being rotated or torn: the holder is still worth reporting
  }
}

/** What a journal's events say is going on now. */
export function foldEvents(events: readonly RunEvent[]): Pick<LiveRun, 'progress' | 'tasks' | 'unfinished'> {
  const tasks = new Map<string, LiveTask>();
  const unfinished = new Set<string>();
  const settle = (id: string) => {
    tasks.delete(id);
    unfinished.delete(id);
  };
  const p: LiveProgress = { planned: 0, succeeded: 0, failed: 0, blocked: 0, running: 0, queued: 0 };
  for (const e of events) {
    switch (e.type) {
      case 'plan_ready':
        p.planned = e.tasks.length;
        for (const t of e.tasks) unfinished.add(t.id);
        break;
      case 'task_queued':
        tasks.set(e.id, { state: 'queued', host: null, since: e.t });
        break;
      case 'task_started':
        tasks.set(e.id, { state: 'running', host: e.host, since: e.t });
        break;
      case 'task_succeeded':
        settle(e.id);
        p.succeeded++;
        break;
      case 'task_failed':
        settle(e.id);
        if (e.reason !== 'cancelled') p.failed++;
        break;
      case 'task_blocked':
        settle(e.id);
        p.blocked++;
        break;
      case 'task_skipped':
        settle(e.id);
        break;
      default:
        break;
    }
  }
  for (const t of tasks.values()) p[t.state]++;
  return { progress: p, tasks, unfinished };
}
