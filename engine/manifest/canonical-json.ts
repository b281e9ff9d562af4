/**
 * JSON exactly as Python's `json.dumps(v, sort_keys=True, separators=(",", ":"))` writes it
 * (ensure_ascii on): keys sorted by code point, no white space, every character outside
 * printable ASCII escaped as `\uXXXX` (lowercase hex, surrogate pairs above U+FFFF).
 *
 * `code_version` hashes this text. Matching Python byte for byte keeps our code_version equal
 * to Lightcone's for the same recipe, container and decisions, so a project moved between the
 * two tools is not reported stale for no reason. (Numbers: integers and the usual floats print
 * alike; decisions are option ids, i.e. strings, so exotic float formatting never arises.)
 */
import { compareCodePoints } from '../hash/order.js';

export function pythonCanonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return asciiString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return '[' + value.map(pythonCanonicalJson).join(',') + ']';
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort(compareCodePoints);
    return '{' + keys.map((k) => asciiString(k) + ':' + pythonCanonicalJson(obj[k])).join(',') + '}';
  }
  throw new TypeError(`cannot serialise ${typeof value}`);
}

function asciiString(s: string): string {
  // JSON.stringify already escapes quotes, backslashes and C0 controls like Python does;
  // Python additionally escapes DEL and everything non-ASCII.
  return JSON.stringify(s).replace(/[^\x20-\x7e]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}
