/**
 * How each state a task can show is drawn, in every view: its glyph (unicode and `--ascii`,
 * one column each), its tone (src/style/palette.ts) and its word. The TUI, `lc status`, `lc run
 * --plain` and `lc verify` read this table, so a state looks the same wherever it appears.
 */
import type { TaskState } from '../../engine/status/types.js';
import type { Tone } from './palette.js';

/** What a run is doing to a task right now, layered over its status. */
export type LiveState = 'queued' | 'running' | 'blocked';

/** What a row shows: the run's live state wins over the status. */
export type DisplayState = TaskState | LiveState;

export interface StateStyle {
  unicode: string;
  ascii: string;
  tone: Tone;
  word: string;
}

/** In the order a legend lists them. */
export const STATE_STYLE: Record<DisplayState, StateStyle> = {
  ok: { unicode: '✓', ascii: '+', tone: 'ok', word: 'ok' },
  stale: { unicode: '◐', ascii: '~', tone: 'stale', word: 'stale' },
  missing: { unicode: '○', ascii: 'o', tone: 'missing', word: 'missing' },
  running: { unicode: '●', ascii: '*', tone: 'running', word: 'running' },
  queued: { unicode: '·', ascii: '.', tone: 'queued', word: 'queued' },
  failed: { unicode: '✗', ascii: 'x', tone: 'failed', word: 'failed' },
  blocked: { unicode: '⊘', ascii: '#', tone: 'blocked', word: 'blocked' },
  modified: { unicode: '!', ascii: '!', tone: 'warn', word: 'modified' },
  unreadable: { unicode: '?', ascii: '?', tone: 'warn', word: 'unreadable' },
};

export const DISPLAY_STATES = Object.keys(STATE_STYLE) as DisplayState[];

export const stateGlyph = (s: DisplayState, ascii = false): string => (ascii ? STATE_STYLE[s].ascii : STATE_STYLE[s].unicode);
