/**
 * Glyph sets: unicode by default, `--ascii` for terminals and fonts without them. Every glyph
 * is one column wide so fixed-width columns stay aligned in both sets.
 */
import type { DisplayState } from './types.js';

export interface Glyphs {
  state: Record<DisplayState | 'none', string>;
  ellipsis: string;
  /** Trailing dots of a message still in progress. */
  dots: string;
  barFull: string;
  barEmpty: string;
  tee: string;
  elbow: string;
  cursor: string;
  sep: string;
  checked: string;
  unchecked: string;
  up: string;
  down: string;
  enter: string;
}

export const UNICODE: Glyphs = {
  state: {
    ok: '✓',
    stale: '◐',
    missing: '○',
    failed: '✗',
    modified: '!',
    unreadable: '?',
    running: '●',
    queued: '·',
    blocked: '⊘',
    none: ' ',
  },
  ellipsis: '…',
  dots: '…',
  barFull: '█',
  barEmpty: '░',
  tee: '├─',
  elbow: '└─',
  cursor: '›',
  sep: '│',
  checked: '[x]',
  unchecked: '[ ]',
  up: '↑',
  down: '↓',
  enter: '⏎',
};

export const ASCII: Glyphs = {
  state: {
    ok: '+',
    stale: '~',
    missing: 'o',
    failed: 'x',
    modified: '!',
    unreadable: '?',
    running: '*',
    queued: '.',
    blocked: '#',
    none: ' ',
  },
  ellipsis: '~',
  dots: '...',
  barFull: '#',
  barEmpty: '.',
  tee: '|-',
  elbow: '`-',
  cursor: '>',
  sep: '|',
  checked: '[x]',
  unchecked: '[ ]',
  up: '^',
  down: 'v',
  enter: 'enter',
};

export const glyphsFor = (ascii: boolean): Glyphs => (ascii ? ASCII : UNICODE);
