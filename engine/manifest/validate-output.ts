/**
 * Output-type checks after a successful run (Lightcone §7). They only warn: the task succeeded
 * and its manifest stands. Unlike Lightcone, the manifest itself is never looked at, so an
 * empty output is reported as empty and a metric output is not satisfied by the manifest's JSON.
 */
import { readFileSync } from 'node:fs';
import type { OutputType } from '../astra/model.js';
import type { FileEntry } from '../hash/walk.js';

/** Files larger than this are not opened for validation (it must stay cheap). */
const MAX_VALIDATE_BYTES = 64 * 1024 * 1024;
const IMAGE_EXT = ['.png', '.jpg', '.jpeg', '.svg', '.pdf', '.eps'];

export function validateOutput(
  relDir: string,
  type: OutputType,
  outputId: string,
  entries: readonly FileEntry[],
): string[] {
  if (entries.length === 0) return [`Output directory is empty after successful run: ${relDir}`];
  switch (type) {
    case 'metric':
      return validateMetric(relDir, outputId, entries);
    case 'table':
      return validateTable(relDir, outputId, entries);
    case 'figure':
      return validateFigure(relDir, outputId, entries);
    default:
      return [];
  }
}

const small = (e: FileEntry) => e.size <= BigInt(MAX_VALIDATE_BYTES);
const ext = (rel: string) => rel.slice(rel.lastIndexOf('.')).toLowerCase();

function validateMetric(relDir: string, id: string, entries: readonly FileEntry[]): string[] {
  const json = entries.filter((e) => ext(e.rel) === '.json');
  if (json.length === 0) return [`Output '${id}' (type: metric) produced no JSON files in ${relDir}`];
  const warnings: string[] = [];
  for (const f of json.filter(small)) {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(f.abs, 'utf8'));
    } catch (e) {
      warnings.push(
        `Output '${id}' metric file '${f.rel}' is not valid JSON: ${e instanceof Error ? e.message : String(e)}`,
      );
      continue;
    }
    if (onlyNullOrNaN(doc)) warnings.push(`Output '${id}' metric file '${f.rel}' contains only null/NaN values`);
  }
  return warnings;
}

/** True when every scalar (recursively) is null or NaN; an object with no scalars counts too. */
function onlyNullOrNaN(v: unknown): boolean {
  if (v === null) return true;
  if (typeof v === 'number') return Number.isNaN(v);
  if (Array.isArray(v)) return v.every(onlyNullOrNaN);
  if (typeof v === 'object') return Object.values(v as Record<string, unknown>).every(onlyNullOrNaN);
  return false;
}

function validateFigure(relDir: string, id: string, entries: readonly FileEntry[]): string[] {
  const images = entries.filter((e) => IMAGE_EXT.includes(ext(e.rel)));
  if (images.length === 0)
    return [`Output '${id}' (type: figure) produced no image files (.png, .jpg, .svg, .pdf, .eps) in ${relDir}`];
  return images.filter((e) => e.size === 0n).map((e) => `Output '${id}' figure file '${e.rel}' is empty (0 bytes)`);
}

function validateTable(relDir: string, id: string, entries: readonly FileEntry[]): string[] {
  const csv = entries.filter((e) => ext(e.rel) === '.csv');
  if (csv.length === 0) return [`Output '${id}' (type: table) produced no CSV files in ${relDir}`];
  const warnings: string[] = [];
  for (const f of csv.filter(small)) {
    let rows: string[][];
    try {
      rows = parseCsv(readFileSync(f.abs, 'utf8'));
    } catch (e) {
      warnings.push(
        `Output '${id}': could not validate table '${f.rel}': ${e instanceof Error ? e.message : String(e)}`,
      );
      continue;
    }
    const [header, ...data] = rows;
    if (!header || data.length === 0) {
      warnings.push(`Output '${id}' table '${f.rel}' has no data rows`);
      continue;
    }
    const allNaN: string[] = [];
    let numeric = 0;
    header.forEach((name, col) => {
      const cells = data.map((r) => (r[col] ?? '').trim());
      if (!cells.some((c) => isFloat(c))) return;
      numeric++;
      if (cells.every((c) => c === '' || Number.isNaN(parseFloatStrict(c)))) allNaN.push(name);
    });
    if (numeric > 0 && allNaN.length === numeric)
      warnings.push(`Output '${id}' table '${f.rel}' has all-NaN values in every numeric column`);
    else if (allNaN.length > 0) {
      warnings.push(
        `Output '${id}' table '${f.rel}' has all-NaN values in column(s): ${allNaN.map((c) => `'${c}'`).join(', ')}`,
      );
    }
  }
  return warnings;
}

/** Python float() syntax, NaN and infinities included. */
function parseFloatStrict(s: string): number {
  const t = s.trim().toLowerCase();
  if (t === 'nan' || t === '+nan' || t === '-nan') return NaN;
  if (/^[+-]?(inf|infinity)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (!/^[+-]?(\d+(_\d+)*\.?(\d+(_\d+)*)?|\.\d+(_\d+)*)(e[+-]?\d+)?$/.test(t)) return Number.NaN;
  return Number(t.replace(/_/g, ''));
}

const isFloat = (s: string): boolean => {
  const t = s.trim().toLowerCase();
  return t !== '' && (!Number.isNaN(parseFloatStrict(t)) || /^[+-]?nan$/.test(t));
};

/** RFC 4180-ish: commas, double quotes with "" escapes, CRLF or LF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}
