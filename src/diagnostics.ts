import { relative } from 'node:path';
import type { Diagnostic } from '../engine/errors.js';
import { LcError } from '../engine/errors.js';
import type { Paint } from './color.js';

/**
 * Errors print as `file:line:col CODE message` (the format editors and grep understand);
 * warnings carry the word `warning` before the code so they never read as errors.
 */
export function formatDiagnostic(d: Diagnostic, cwd: string, p: Paint): string {
  const where = d.file ? `${relative(cwd, d.file) || d.file}${d.line ? `:${d.line}:${d.col ?? 1}` : ''}` : '';
  const code = d.severity === 'warning' ? `${p.yellow('warning')} ${d.code}` : p.red(d.code);
  const head = `${where ? `${p.bold(where)} ` : ''}${code} ${d.message}`;
  const lines = [head];
  if (d.path) lines.push(`    at ${d.path}`);
  if (d.hint) lines.push(`    hint: ${d.hint}`);
  return lines.join('\n');
}

export function diagnosticJson(d: Diagnostic, cwd: string): Record<string, unknown> {
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    file: d.file ? relative(cwd, d.file) || d.file : null,
    line: d.line ?? null,
    column: d.col ?? null,
    path: d.path ?? null,
    hint: d.hint ?? null,
  };
}

/** Version of the document a `--json` command prints on stdout when it fails. */
export const ERROR_JSON_SCHEMA = 1;

/**
 * `{"schema":1,"error":{"code","message","file","line","column","hint","diagnostics":[...]}}`:
 * where the error is (its first diagnostic that says so), and every diagnostic behind it.
 */
export function errorJson(e: unknown, cwd: string): string {
  const err = e instanceof LcError ? e : undefined;
  const at = err?.diagnostics.find((d) => d.file !== undefined);
  const doc = {
    schema: ERROR_JSON_SCHEMA,
    error: {
      code: err?.code ?? 'INTERNAL',
      message: err ? err.message : `internal error: ${e instanceof Error ? e.message : String(e)}`,
      file: at?.file ? relative(cwd, at.file) || at.file : null,
      line: at?.line ?? null,
      column: at?.col ?? null,
      hint: err?.hint ?? null,
      diagnostics: (err?.diagnostics ?? []).map((d) => diagnosticJson(d, cwd)),
    },
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

/** Print an error that stopped a command: its diagnostics first, then the message. */
export function printError(e: unknown, cwd: string, p: Paint, out: NodeJS.WritableStream = process.stderr): void {
  if (e instanceof LcError) {
    for (const d of e.diagnostics) out.write(formatDiagnostic(d, cwd, p) + '\n');
    // a message that names its command (`lc run: ...`) is not prefixed twice
    const own = /^lc(?: [a-z-]+)*: /.exec(e.message)?.[0];
    const head = own ? `${p.red(own.trimEnd())} ${e.message.slice(own.length)}` : `${p.red('lc:')} ${e.message}`;
    out.write(`${head}${e.code ? p.dim(` [${e.code}]`) : ''}\n`);
    if (e.hint) out.write(`    hint: ${e.hint}\n`);
    return;
  }
  const msg = e instanceof Error ? (e.stack ?? e.message) : String(e);
  out.write(`${p.red('lc: internal error:')} ${msg}\n`);
}
