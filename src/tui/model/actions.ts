/**
 * Everything that changes the TUI's view state. Engine facts (project shape, status, run
 * events, utilisation, scheduler) and user intent (moving, filtering, overlays) go through the
 * same reducer so a frame is always a pure function of the actions so far.
 */
import type { OutputValue } from '../../../engine/results/read-output.js';
import type { RunEvent } from '../../../engine/events.js';
import type { NodeUtilisation } from '../../../engine/executors/executor.js';
import type { OutputType } from '../../../engine/astra/model.js';
import type { TaskStatus } from '../../../engine/status/types.js';
import type { ConfirmView, LogView, Message, OutputInfo, Overlay, Pane, RunHolder, SchedulerView } from './types.js';

/** The static part of a project that the screen needs: names, outputs in layer order, tasks. */
export interface ProjectShape {
  name: string;
  universes: string[];
  outputs: OutputInfo[];
  tasks: { id: string; universe: string; output: string; type: OutputType }[];
}

export type MonitorAction =
  | { type: 'project'; shape: ProjectShape }
  | { type: 'status'; statuses: readonly TaskStatus[] }
  /** Runner events, batched per frame (see store.ts): one reducer pass per batch. */
  | { type: 'run_events'; events: readonly RunEvent[] }
  /** This TUI asked the runner to start (shown until plan_ready arrives). */
  | { type: 'run_starting' }
  /** The runner gave up before planning (lock busy, spec error...). */
  | { type: 'run_aborted'; text: string }
  | { type: 'attach'; holder: RunHolder }
  | { type: 'detach' }
  | { type: 'utilisation'; nodes: readonly NodeUtilisation[] }
  | { type: 'scheduler'; scheduler: SchedulerView }
  | { type: 'executor'; executor: 'local' | 'dask' }
  | { type: 'tick'; now: number }
  | { type: 'resize'; cols: number; rows: number }
  | { type: 'log'; log: LogView | null }
  | { type: 'message'; text: string; level?: Message['level'] }
  /** The spec on disk does not load: its problems (`file:line:col CODE message`), or null once it does. */
  | { type: 'spec_problem'; lines: string[] | null }
  /** A metric output's values, read for the results view. */
  | { type: 'results'; results: { output: string; values: OutputValue[] } | null }
  | { type: 'select_output'; qid: string | null }
  | { type: 'move'; delta: number }
  | { type: 'move_to'; where: 'first' | 'last' }
  | { type: 'focus'; pane: Pane }
  | { type: 'focus_next'; delta: 1 | -1 }
  | { type: 'toggle_expand' }
  | { type: 'filter_begin' }
  | { type: 'filter_text'; text: string }
  | { type: 'filter_end'; keep: boolean }
  | { type: 'overlay'; overlay: Overlay }
  | { type: 'universe_cursor'; delta: number }
  | { type: 'universe_toggle' }
  | { type: 'universe_toggle_all' }
  | { type: 'universe_apply' }
  | { type: 'universe_query'; text: string; typing: boolean }
  | { type: 'confirm'; confirm: ConfirmView | null }
  | { type: 'log_scroll'; delta: number }
  | { type: 'log_scroll_to'; where: 'top' | 'end' }
  | { type: 'interrupt' }
  | { type: 'interrupt_reset' };
