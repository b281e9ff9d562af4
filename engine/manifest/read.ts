/**
 * Reading a manifest. Three outcomes, never conflated: no file (`missing`), a manifest
 * (`ok`), or a file that exists but cannot be used (`unreadable`, with the reason). Lightcone
 * treated corrupt JSON as missing and crashed on EACCES; both hid real problems.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import {
  MANIFEST_NAME,
  MANIFEST_SCHEMA_VERSION,
  ManifestSchema,
  ManifestV1Schema,
  ManifestV2Schema,
  type Manifest,
} from './schema.js';

export type ReadManifestResult =
  { kind: 'missing' } | { kind: 'ok'; manifest: Manifest } | { kind: 'unreadable'; reason: string };

export const manifestPath = (absDir: string): string => join(absDir, MANIFEST_NAME);

/**
 * Opened non-blocking and checked to be a regular file: a FIFO (or device) in a manifest's
 * place would otherwise block the reader, and with it `lc status` and `lc run`, forever.
 */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;
const NOT_A_FILE: Exclude<ReadManifestResult, { kind: 'ok' }> = { kind: 'unreadable', reason: `${MANIFEST_NAME} is not a regular file` };

export async function readManifest(absDir: string): Promise<ReadManifestResult> {
  let text: string;
  try {
    const fh = await open(manifestPath(absDir), OPEN_FLAGS);
    try {
      if (!(await fh.stat()).isFile()) return NOT_A_FILE;
      text = await fh.readFile('utf8');
    } finally {
      await fh.close();
    }
  } catch (e) {
    return fsFailure(e);
  }
  return parseManifestText(text);
}

let buf: Buffer = Buffer.allocUnsafe(64 * 1024);

/** Synchronous variant for the status hot path. */
export function readManifestSync(absDir: string): ReadManifestResult {
  const r = readManifestTextSync(absDir);
  return r.kind === 'text' ? parseManifestText(r.text) : r;
}

/** The manifest's exact text (for callers that compare or rewrite it), or why there is none. */
export function readManifestTextSync(
  absDir: string,
): { kind: 'text'; text: string } | Exclude<ReadManifestResult, { kind: 'ok' }> {
  let fd: number;
  try {
    fd = openSync(manifestPath(absDir), OPEN_FLAGS);
  } catch (e) {
    return fsFailure(e);
  }
  try {
    if (!fstatSync(fd).isFile()) return NOT_A_FILE;
    let len = 0;
    for (;;) {
      if (len === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
      }
      const n = readSync(fd, buf, len, buf.length - len, null);
      if (n === 0) break;
      len += n;
    }
    return { kind: 'text', text: buf.toString('utf8', 0, len) };
  } catch (e) {
    return fsFailure(e);
  } finally {
    closeSync(fd);
  }
}

function fsFailure(e: unknown): Exclude<ReadManifestResult, { kind: 'ok' }> {
  const code = (e as NodeJS.ErrnoException).code;
  // ENOTDIR: the output path is a file, so there is no manifest below it.
  if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
  if (code === 'EACCES' || code === 'EPERM')
    return { kind: 'unreadable', reason: `permission denied reading ${MANIFEST_NAME}` };
  if (code === 'EISDIR') return { kind: 'unreadable', reason: `${MANIFEST_NAME} is a directory` };
  return { kind: 'unreadable', reason: `cannot read ${MANIFEST_NAME}: ${code ?? String(e)}` };
}

export function parseManifestText(text: string): ReadManifestResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return {
      kind: 'unreadable',
      reason: text.trim() === '' ? 'manifest is empty' : `manifest is not valid JSON (${why})`,
    };
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    return { kind: 'unreadable', reason: 'manifest is not a JSON object' };
  const v = (doc as Record<string, unknown>).schema_version;
  if (typeof v !== 'number') return { kind: 'unreadable', reason: 'manifest has no numeric schema_version' };
  if (v > MANIFEST_SCHEMA_VERSION) {
    return {
      kind: 'unreadable',
      reason: `manifest was written by a newer tool (schema_version ${v}; this lc reads 1 to ${MANIFEST_SCHEMA_VERSION})`,
    };
  }
  // Dispatch by version ourselves: cheaper than the discriminated union on the status hot path.
  const parsed = (v === 1 ? ManifestV1Schema : v === 2 ? ManifestV2Schema : ManifestSchema).safeParse(doc);
  if (!parsed.success)
    return {
      kind: 'unreadable',
      reason: `manifest does not match schema_version ${v}: ${describeIssue(parsed.error)}`,
    };
  return { kind: 'ok', manifest: parsed.data };
}

function describeIssue(err: z.ZodError): string {
  const first = err.issues[0];
  if (!first) return 'invalid';
  const where = first.path.length > 0 ? `field '${first.path.map(String).join('.')}'` : 'document';
  const more = err.issues.length > 1 ? ` (and ${err.issues.length - 1} more)` : '';
  return `${where}: ${first.message}${more}`;
}
