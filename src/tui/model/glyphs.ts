/**
 * Glyph sets: unicode by default, `--ascii` for terminals and fonts without them. Every glyph
 * is one column wide so fixed-width columns stay aligned in both sets.
 */
import { DISPLAY_STATES, stateGlyph, type DisplayState } from '../../style/states.js';

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
  left: string;
  right: string;
  enter: string;
  /** Sparkline levels, lowest first. */
  spark: readonly string[];
}

function stateGlyphs(ascii: boolean): Record<DisplayState | 'none', string> {
  const out = { none: ' ' } as Record<DisplayState | 'none', string>;
  for (const s of DISPLAY_STATES) out[s] = stateGlyph(s, ascii);
  return out;
}

export const UNICODE: Glyphs = {
  state: stateGlyphs(false),
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
  left: '←',
  right: '→',
  enter: '⏎',
  spark: ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'],
};

export const ASCII: Glyphs = {
  state: stateGlyphs(true),
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
  left: '<',
  right: '>',
  enter: 'enter',
  spark: ['_', '.', ':', '-', '=', '+', '*', '#'],
};

export const glyphsFor = (ascii: boolean): Glyphs => (ascii ? ASCII : UNICODE);
