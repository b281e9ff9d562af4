/**
 * How lc writes durations and sizes, in every renderer and message: one formatter each, so
 * the TUI, the plain and JSON-adjacent text, and error messages agree.
 */

/** `0.4s`, `12s`, `3m05s`, `2h04m`, `3d02h`; '' for what is not a duration. */
export function formatDuration(seconds: number | null | undefined): string {
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

/** A byte count in binary units: the value (one decimal below 10) and the unit's index. */
function scaleBinary(bytes: number): { num: string; unit: number } {
  let v = Math.max(0, bytes);
  let unit = 0;
  while (v >= 1024 && unit < 5) {
    v /= 1024;
    unit++;
  }
  return { num: v < 10 && unit > 0 ? v.toFixed(1) : String(Math.round(v)), unit };
}

const LONG_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
const SHORT_UNITS = ['B', 'K', 'M', 'G', 'T', 'P'];

/** A measured size: `512 B`, `1.5 GiB`, `12 GiB`. */
export function formatBytes(bytes: number): string {
  const { num, unit } = scaleBinary(bytes);
  return `${num} ${LONG_UNITS[unit]}`;
}

/** The same, for narrow table columns: `512B`, `3.1G`. */
export function formatBytesCompact(bytes: number): string {
  const { num, unit } = scaleBinary(bytes);
  return `${num}${SHORT_UNITS[unit]}`;
}

/** A requested size as the spec most likely wrote it: binary units when exact (500MiB), else decimal (100MB). */
export function formatSpecBytes(n: number): string {
  const bin = ['KiB', 'MiB', 'GiB', 'TiB'];
  for (let i = bin.length; i >= 1; i--) {
    const b = 1024 ** i;
    if (n >= b && n % b === 0) return `${n / b}${bin[i - 1]}`;
  }
  const dec = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < dec.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toFixed(1))}${dec[i]}`;
}
