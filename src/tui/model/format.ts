/**
 * Fixed-width text helpers for the frame builder. Widths count terminal cells, as the terminal
 * draws them: a CJK character or most emoji take two, a combining mark none, everything else
 * one. Log lines are sanitised (no tabs, escapes or control characters) before they are measured.
 */
import { eastAsianWidth } from 'get-east-asian-width';

/** Anything beyond what is always one cell wide: those strings are measured character by character. */
// eslint-disable-next-line no-control-regex
const COMPLEX = /[^\u0000-\u02ff]/;
/** Combining marks: drawn on the character before them. */
const MARK = /^\p{M}$/u;

/** Zero-width: combining marks, zero-width spaces and joiners, variation selectors. */
function cellsOf(ch: string): number {
  const cp = ch.codePointAt(0) ?? 0;
  if ((cp >= 0x200b && cp <= 0x200f) || cp === 0x2060 || (cp >= 0xfe00 && cp <= 0xfe0f) || MARK.test(ch)) return 0;
  return eastAsianWidth(cp);
}

/** Columns of a string on a terminal. */
export function width(s: string): number {
  if (!COMPLEX.test(s)) return s.length;
  let w = 0;
  for (const ch of s) w += cellsOf(ch);
  return w;
}

/** The longest start of `s` that fits `w` columns. */
function headOf(s: string, w: number): string {
  if (!COMPLEX.test(s)) return s.slice(0, Math.max(0, w));
  let used = 0;
  let out = '';
  for (const ch of s) {
    const c = cellsOf(ch);
    if (used + c > w) break;
    used += c;
    out += ch;
  }
  return out;
}

/** The longest end of `s` that fits `w` columns. */
function tailOf(s: string, w: number): string {
  if (w <= 0) return '';
  if (!COMPLEX.test(s)) return s.slice(Math.max(0, s.length - w));
  const cs = Array.from(s);
  let used = 0;
  let i = cs.length;
  while (i > 0) {
    const c = cellsOf(cs[i - 1] as string);
    if (used + c > w) break;
    used += c;
    i--;
  }
  return cs.slice(i).join('');
}

/** Cut the middle out of a long name (`very_lo…name`): both ends carry meaning. */
export function truncateMiddle(s: string, w: number, ellipsis = '…'): string {
  if (width(s) <= w) return s;
  if (w <= 0) return '';
  if (w <= width(ellipsis)) return headOf(ellipsis, w);
  const keep = w - width(ellipsis);
  const head = headOf(s, Math.ceil(keep / 2));
  return head + ellipsis + tailOf(s, keep - width(head));
}

/** Cut the end of a long text (`some message…`). */
export function truncateEnd(s: string, w: number, ellipsis = '…'): string {
  if (width(s) <= w) return s;
  if (w <= 0) return '';
  if (w <= width(ellipsis)) return headOf(s, w);
  return headOf(s, w - width(ellipsis)) + ellipsis;
}

/** Exactly `w` columns: truncated (end or middle) then padded. */
export function fit(s: string, w: number, opts: { align?: 'left' | 'right'; middle?: boolean; ellipsis?: string } = {}): string {
  const e = opts.ellipsis ?? '…';
  const t = opts.middle ? truncateMiddle(s, w, e) : truncateEnd(s, w, e);
  const pad = ' '.repeat(Math.max(0, w - width(t)));
  return opts.align === 'right' ? pad + t : t + pad;
}

/**
 * Recent values (0-100, oldest first) as `w` cells, each the mean of its share of the samples,
 * drawn with `levels` (lowest to highest); fewer samples than cells take as many cells.
 */
export function sparkline(values: readonly number[], w: number, levels: readonly string[]): string {
  if (w <= 0 || values.length === 0) return '';
  const cells = Math.min(w, values.length);
  const per = values.length / cells;
  let out = '';
  for (let i = 0; i < cells; i++) {
    const part = values.slice(Math.floor(i * per), Math.max(Math.floor(i * per) + 1, Math.floor((i + 1) * per)));
    const mean = part.reduce((a, b) => a + b, 0) / part.length;
    const f = Number.isFinite(mean) ? Math.max(0, Math.min(100, mean)) / 100 : 0;
    out += levels[Math.min(levels.length - 1, Math.round(f * (levels.length - 1)))];
  }
  return out;
}

/** A text as lines of at most `w` columns, broken at spaces where it can be. */
export function wrapText(s: string, w: number): string[] {
  if (w <= 0) return [];
  const out: string[] = [];
  let rest = s;
  while (width(rest) > w) {
    const head = headOf(rest, w);
    const cut = rest[head.length] === ' ' ? head.length : head.lastIndexOf(' ');
    const take = cut > w / 3 ? head.slice(0, cut) : head;
    out.push(take);
    rest = rest.slice(take.length).replace(/^ /, '');
  }
  out.push(rest);
  return out;
}

export function bar(fraction: number, w: number, full: string, empty: string): string {
  if (w <= 0) return '';
  const f = Number.isFinite(fraction) ? Math.max(0, Math.min(1, fraction)) : 0;
  const n = Math.round(f * w);
  return full.repeat(n) + empty.repeat(w - n);
}

export function fmtPercent(p: number): string {
  return `${Math.round(Math.max(0, Math.min(100, Number.isFinite(p) ? p : 0)))}%`;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** A log line made safe to measure: escapes and control characters removed, tabs expanded, `\r` progress kept to its last segment. */
export function sanitizeLine(line: string): string {
  let s = line.replace(ANSI, '').replace(/\r+$/, '');
  const cr = s.lastIndexOf('\r');
  if (cr >= 0) s = s.slice(cr + 1);
  return s.replace(/\t/g, '  ').replace(CONTROL, '');
}
