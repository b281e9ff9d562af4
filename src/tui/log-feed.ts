/**
 * Logs for the TUI: which file the log pane and the full viewer read, and re-reading it while
 * the task runs. Logs are read from their files (never from output events), which works the
 * same for our runs and for attached ones, and never duplicates lines.
 */
import { existsSync } from 'node:fs';
import { LOG_LINES_KEPT } from './model/reducer.js';
import { displayState, logTaskFor } from './model/selectors.js';
import type { Store } from './model/store.js';
import type { TaskView } from './model/types.js';
import { newestTaskLog, tailLogFile } from '../../engine/runner/logs.js';
import type { ScratchPaths } from '../../engine/scratch/paths.js';

/** Lines read for the log pane; the full viewer reads LOG_LINES_KEPT (from at most VIEW_BYTES). */
const TAIL_LINES = 200;
const VIEW_BYTES = 8 * 1024 * 1024;

export class LogFeed {
  /** `taskId NUL path` the log pane shows now. */
  private target = '';
  /** The task and state the log was last read in (see refresh). */
  private loadedAs = '';

  constructor(
    private readonly store: Store,
    private readonly scratch: ScratchPaths,
  ) {}

  /** The log of a task: the one this session saw, else the newest attempt on disk. */
  pathOf(t: TaskView): string | undefined {
    const known = displayState(t) === 'failed' ? (t.failure?.logPath ?? t.logPath) : (t.logPath ?? t.failure?.logPath);
    if (known) return known;
    return newestTaskLog(this.scratch, t);
  }

  /** Keep the log pane on the task it should show (called after every frame). */
  sync(): void {
    const s = this.store.getState();
    if (s.ui.overlay.kind === 'log') return;
    const t = logTaskFor(s);
    const path = t ? this.pathOf(t) : undefined;
    const target = t && path ? `${t.id}\u0000${path}` : '';
    if (target === this.target) return;
    this.target = target;
    if (t && path) this.load(t.id, path, false);
  }

  /** Open the full viewer on a task's log; false when it has none yet. */
  open(taskId: string): boolean {
    const t = this.store.getState().tasks.get(taskId);
    const path = t ? this.pathOf(t) : undefined;
    if (!t || !path || !existsSync(path)) return false;
    this.load(taskId, path, true);
    this.store.dispatch({ type: 'overlay', overlay: { kind: 'log' } });
    this.target = `${taskId}\u0000${path}`;
    return true;
  }

  /**
   * A running task's log grows: re-read it (once per tick), and once more when the task's state
   * changed since the last read, for the lines it wrote last (a failure's error is usually the
   * very last line, written after the previous tick or by a task that lived less than one).
   */
  refresh(): void {
    const s = this.store.getState();
    const log = s.log;
    if (!log) return;
    const t = s.tasks.get(log.taskId);
    if (!t) return;
    if (t.live !== 'running' && this.loadedAs === stateKey(t)) return;
    this.load(log.taskId, log.path, s.ui.overlay.kind === 'log');
  }

  private load(taskId: string, path: string, full: boolean): void {
    if (!existsSync(path)) return;
    const t = this.store.getState().tasks.get(taskId);
    this.loadedAs = t ? stateKey(t) : '';
    const prev = this.store.getState().log;
    const lines = full ? tailLogFile(path, LOG_LINES_KEPT, VIEW_BYTES) : tailLogFile(path, TAIL_LINES);
    const scroll = full && prev && prev.taskId === taskId ? prev.scroll : null;
    this.store.dispatch({ type: 'log', log: { taskId, path, lines, truncatedLines: 0, scroll } });
  }
}

/** What a task is now, as far as its log is concerned: a change means lines may have been added. */
const stateKey = (t: TaskView): string => `${t.id}\u0000${displayState(t)}\u0000${t.live ?? ''}`;
