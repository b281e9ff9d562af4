/**
 * Segments -> one ANSI string per line. Painting whole lines ourselves (instead of one <Text>
 * per segment) keeps the Ink tree to a dozen nodes, which is what makes a 120x40 frame cheap
 * to lay out. Colour follows the decision src/cli.ts made once (passed down as `color`).
 */
import { TONES, type Tone } from '../src/style/palette.js';
import type { Line } from '../src/tui/model/frame/index.js';

const ESC = '\u001b[';

function sgr(tone: Tone | undefined, bold: boolean | undefined, inverse: boolean | undefined): string {
  const t = TONES[tone ?? 'plain'];
  const codes: number[] = [];
  if (bold || t.bold) codes.push(1);
  if (inverse) codes.push(7);
  if (t.fg !== undefined) codes.push(t.fg);
  return codes.length ? `${ESC}${codes.join(';')}m` : '';
}

/**
 * Trailing padding is dropped: the frame builder pads every line to its exact width, but Ink
 * positions each pane's block itself, and every character it gets costs it work per frame.
 */
function withoutPadding(line: Line): Line {
  let end = line.length;
  while (end > 0) {
    const s = line[end - 1] as Line[number];
    if (s.inverse || s.text.trimEnd() !== '') break;
    end--;
  }
  if (end === 0) return [];
  const last = line[end - 1] as Line[number];
  const trimmed = last.inverse ? last : { ...last, text: last.text.trimEnd() };
  return [...line.slice(0, end - 1), trimmed];
}

export function paintLine(full: Line, color: boolean): string {
  const line = withoutPadding(full);
  if (!color) return line.map((s) => s.text).join('');
  let out = '';
  let open = '';
  for (const s of line) {
    const style = sgr(s.tone, s.bold, s.inverse);
    if (style !== open) {
      if (open) out += `${ESC}0m`;
      out += style;
      open = style;
    }
    out += s.text;
  }
  return open ? `${out}${ESC}0m` : out;
}

export const paintLines = (lines: readonly Line[], color: boolean): string => lines.map((l) => paintLine(l, color)).join('\n');
