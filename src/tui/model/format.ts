/**
 * Fixed-width text helpers for the frame builder. Widths count code points: every glyph we
 * emit is one column, and log lines are sanitised (no tabs, escapes or control characters)
 * before they are measured.
 */

const SURROGATE = /[\uD800-\uDFFF]/;
const chars = (s: string): string[] => (SURROGATE.test(s) ? Array.from(s) : s.split(''));

/** Columns of a string: one per code point (astral characters are rare: only they need Array.from). */
export const width = (s: string): number => (SURROGATE.test(s) ? Array.from(s).length : s.length);

/** Cut the middle out of a long name (`very_lo…name`): both ends carry meaning. */
export function truncateMiddle(s: string, w: number, ellipsis = '…'): string {
  const cs = chars(s);
  if (cs.length <= w) return s;
  if (w <= 0) return '';
  if (w <= ellipsis.length) return ellipsis.slice(0, w);
  const keep = w - width(ellipsis);
  const head = Math.ceil(keep / 2);
  const tail = keep - head;
  return cs.slice(0, head).join('') + ellipsis + (tail > 0 ? cs.slice(cs.length - tail).join('') : '');
}

/** Cut the end of a long text (`some message…`). */
export function truncateEnd(s: string, w: number, ellipsis = '…'): string {
  const cs = chars(s);
  if (cs.length <= w) return s;
  if (w <= 0) return '';
  if (w <= ellipsis.length) return cs.slice(0, w).join('');
  return cs.slice(0, w - width(ellipsis)).join('') + ellipsis;
}

/** Exactly `w` columns: truncated (end or middle) then padded. */
export function fit(s: string, w: number, opts: { align?: 'left' | 'right'; middle?: boolean; ellipsis?: string } = {}): string {
  const e = opts.ellipsis ?? '…';
  const t = opts.middle ? truncateMiddle(s, w, e) : truncateEnd(s, w, e);
  const pad = ' '.repeat(Math.max(0, w - width(t)));
  return opts.align === 'right' ? pad + t : t + pad;
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
