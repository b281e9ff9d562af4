/**
 * The value(s) of a metric output, read from its output directory under one documented
 * convention, never guessed:
 *
 *   - the directory holds one data file (the manifest aside), or a `metrics.json` / `value.json`
 *     among several;
 *   - a JSON file holding a number, a string or a boolean is one value (`value`); an object
 *     `{"value": x}` is that value; a flat object of such scalars is named metrics
 *     (`{"slope": 0.4, "n": 11}`);
 *   - any other file holding one line is one value: a number when it reads as one, else a
 *     category (at most 200 characters).
 *
 * Anything else (several files, nested JSON, an empty file, a binary) is a reason, with the file.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_NAME } from '../manifest/index.js';

export type Scalar = number | string | boolean;

export type ReadValue = { ok: true; file: string; values: Record<string, Scalar> } | { ok: false; file: string | null; reason: string };

/** The name a single value goes by. */
export const VALUE = 'value';

const PREFERRED = ['metrics.json', 'value.json'];
const MAX_BYTES = 1024 * 1024;
const MAX_CATEGORY = 200;

export function readMetric(absDir: string): ReadValue {
  let names: string[];
  try {
    names = readdirSync(absDir).filter((n) => n !== MANIFEST_NAME && !n.startsWith('.'));
  } catch {
    return { ok: false, file: null, reason: 'no output directory' };
  }
  const file = names.length === 1 ? names[0] : PREFERRED.find((p) => names.includes(p));
  if (!file) return { ok: false, file: null, reason: names.length === 0 ? 'the output directory is empty' : `${names.length} files and none is metrics.json or value.json: lc cannot tell which holds the value` };
  const path = join(absDir, file);
  let text: string;
  try {
    if (!statSync(path).isFile()) return { ok: false, file, reason: 'not a file' };
    if (statSync(path).size > MAX_BYTES) return { ok: false, file, reason: 'over 1 MiB: not a metric' };
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return { ok: false, file, reason: `unreadable (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  return file.endsWith('.json') ? fromJson(file, text) : fromText(file, text);
}

function fromJson(file: string, text: string): ReadValue {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { ok: false, file, reason: `not JSON (${(e as Error).message})` };
  }
  if (isScalar(doc)) return { ok: true, file, values: { [VALUE]: doc } };
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return { ok: false, file, reason: 'JSON that is neither a value nor an object of values' };
  const entries = Object.entries(doc as Record<string, unknown>);
  if (entries.length === 0) return { ok: false, file, reason: 'an empty JSON object' };
  const nested = entries.find(([, v]) => !isScalar(v));
  if (nested) return { ok: false, file, reason: `field ${nested[0]} is not a number, string or boolean (lc reads a flat object of values)` };
  return { ok: true, file, values: Object.fromEntries(entries) as Record<string, Scalar> };
}

function fromText(file: string, text: string): ReadValue {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length !== 1) return { ok: false, file, reason: lines.length === 0 ? 'empty' : `${lines.length} lines: lc reads a file of one value` };
  const v = (lines[0] as string).trim();
  if (v.includes('\u0000')) return { ok: false, file, reason: 'binary' };
  const n = Number(v);
  if (v !== '' && Number.isFinite(n)) return { ok: true, file, values: { [VALUE]: n } };
  if (v.length > MAX_CATEGORY) return { ok: false, file, reason: `one line of ${v.length} characters: not a category` };
  return { ok: true, file, values: { [VALUE]: v } };
}

const isScalar = (v: unknown): v is Scalar => (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string' || typeof v === 'boolean';
