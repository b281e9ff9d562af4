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

/** `0.4s`, `12s`, `3m05s`, `2h04m`, `3d02h`. */
export function fmtDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 10) return `${(Math.round(seconds * 10) / 10).toFixed(1)}s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

const UNITS = ['B', 'K', 'M', 'G', 'T', 'P'];

/** Binary units, one decimal below 10: `512M`, `3.1G`. */
export function fmtBytes(bytes: number): string {
  let v = Math.max(0, bytes);
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  const num = v < 10 && i > 0 ? v.toFixed(1) : String(Math.round(v));
  return `${num}${UNITS[i]}`;
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
