/**
 * Watching a run this process did not start: when another `lc run` holds the project run lock,
 * the TUI follows that run's journal read-only. Cancelling it means asking its owner (SIGINT,
 * same host only), exactly as Ctrl-C in its terminal would.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import type { RunEvent } from '../../../engine/events.js';
import { readRunLockHolder, type RunLockHolder } from '../../../engine/lock/run-lock.js';
import { followJournal, journalPath, latestJournal, requestCancel, type JournalFollower } from '../../../engine/runner/journal.js';
import type { ScratchPaths } from '../../../engine/scratch/paths.js';

export interface ForeignRun {
  holder: RunLockHolder;
  /** The run's journal; null while the owner has the lock but has not created it yet. */
  journal: string | null;
}

/** The run holding the project lock, when it is not this process. */
export async function findForeignRun(scratch: ScratchPaths): Promise<ForeignRun | null> {
  const holder = await readRunLockHolder(scratch);
  if (!holder) return null;
  if (holder.pid === process.pid && holder.host === hostname()) return null;
  // Another command holding the lock (lc verify --refresh) has no run, hence no journal, to follow.
  if (holder.command !== undefined) return null;
  const named = holder.runId ? journalPath(scratch, holder.runId) : null;
  const journal = named && existsSync(named) ? named : holder.runId ? null : latestJournal(scratch);
  return { holder, journal };
}

export interface Attachment {
  follower: JournalFollower;
  /** Ask the owning run to cancel; says why not when it cannot (another host). */
  cancel(): { ok: boolean; text: string };
}

/** Follow a foreign run's journal from its start; events arrive through onEvent. */
export function attach(run: ForeignRun & { journal: string }, onEvent: (e: RunEvent) => void): Attachment {
  const follower = followJournal(run.journal, onEvent, { intervalMs: 250 });
  return {
    follower,
    cancel() {
      const h = follower.header;
      const r = requestCancel(h);
      if (r.ok) return { ok: true, text: `asked lc run (pid ${h.pid}) to cancel` };
      // Short enough for an 80-column bottom line: where it runs and what to type there.
      if (h.host !== hostname()) return { ok: false, text: `it runs on ${h.host}: cancel it there (kill -INT ${h.pid}, or scancel its job)` };
      return { ok: false, text: `cannot signal pid ${h.pid}: ${r.reason ?? 'unknown'}` };
    },
  };
}
