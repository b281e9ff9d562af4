/**
 * The frame model: every line of the screen as styled segments, already cut to its exact
 * width, and the helpers that build such lines. Ink components only map segments to text; what
 * fits, what is truncated and what collapses into `+N more` is decided in this directory, where
 * it is tested without a terminal.
 */
import { fit, width } from '../format.js';
import type { Glyphs } from '../glyphs.js';
import type { Tone } from '../../../style/palette.js';
import { DISPLAY_STATES, STATE_STYLE, type DisplayState } from '../../../style/states.js';

export type { Tone } from '../../../style/palette.js';

export interface Segment {
  text: string;
  tone?: Tone;
  bold?: boolean;
  inverse?: boolean;
}

export type Line = Segment[];

export type PaneId = 'outputs' | 'details' | 'workers' | 'log' | 'help' | 'universes' | 'logview' | 'failures' | 'map' | 'results';

export interface PaneModel {
  id: PaneId;
  width: number;
  focused: boolean;
  title: Line;
  /** Exactly the pane's body height, each line exactly `width` columns. */
  lines: Line[];
}

export type FrameBody =
  | { kind: 'stack'; panes: PaneModel[] }
  | { kind: 'split'; leftWidth: number; rightWidth: number; left: PaneModel[]; right: PaneModel[] };

export interface FrameModel {
  cols: number;
  height: number;
  header: Line[];
  body: FrameBody;
  bottom: Line;
}

export interface FrameOptions {
  ascii: boolean;
}

/** How long a message stays in the bottom line. */
export const MESSAGE_MS = 8000;

/** The tone of each state (src/style/states.ts), for frame builders. */
export const STATE_TONE = Object.fromEntries(DISPLAY_STATES.map((s) => [s, STATE_STYLE[s].tone])) as Record<DisplayState, Tone>;

// ---------------------------------------------------------------------------------------------
// Line helpers

export const seg = (text: string, tone?: Tone, extra: { bold?: boolean; inverse?: boolean } = {}): Segment => ({
  text,
  ...(tone && tone !== 'plain' ? { tone } : {}),
  ...(extra.bold ? { bold: true } : {}),
  ...(extra.inverse ? { inverse: true } : {}),
});

/** Fit segments into exactly `w` columns: later segments are cut first, the rest is padded. */
export function fitLine(segs: Line, w: number, ellipsis: string): Line {
  const out: Line = [];
  let used = 0;
  for (const s of segs) {
    if (used >= w) break;
    const sw = width(s.text);
    if (used + sw <= w) {
      out.push(s);
      used += sw;
    } else {
      out.push({ ...s, text: fit(s.text, w - used, { ellipsis }).trimEnd() });
      used += width(out[out.length - 1]?.text ?? '');
      break;
    }
  }
  if (used < w) out.push({ text: ' '.repeat(w - used) });
  return out;
}

export const lineText = (l: Line): string => l.map((s) => s.text).join('');

export const blank = (w: number): Line => [{ text: ' '.repeat(w) }];

export function padLines(lines: Line[], n: number, w: number): Line[] {
  const out = lines.slice(0, n);
  while (out.length < n) out.push(blank(w));
  return out;
}

export function title(name: string, focused: boolean, g: Glyphs, rest: Line, w: number): Line {
  const mark = focused ? `${g.cursor} ` : '  ';
  return fitLine([seg(mark, 'accent', { bold: true }), seg(name, 'title', { bold: true, inverse: focused }), ...rest], w, g.ellipsis);
}

/**
 * Choose which of `total` items, `per` lines each, to show in `n` lines so the cursor's item
 * stays visible, reserving the last line for `+N more` when they do not all fit. An item of
 * several lines is shown whole rather than only `+N more`.
 */
export function windowRows(total: number, cursor: number, n: number, per = 1): { start: number; count: number; more: number } {
  if (total * per <= n) return { start: 0, count: total, more: 0 };
  const count = Math.max(per > 1 ? 1 : 0, Math.floor((n - 1) / per));
  const c = Math.max(0, Math.min(total - 1, cursor));
  const start = Math.max(0, Math.min(total - count, c - Math.floor(count / 2)));
  return { start, count, more: total - count };
}

export function moreLine(hidden: number, above: number, w: number, g: Glyphs, extra = ''): Line {
  const where = above > 0 ? ` (${g.up}${above} ${g.down}${hidden - above})` : '';
  return fitLine([seg(`  +${hidden} more${where}${extra}`, 'muted')], w, g.ellipsis);
}
