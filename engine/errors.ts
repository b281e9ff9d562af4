/**
 * Errors are values: every failure the user can cause carries a stable code, a message a
 * scientist understands, and where it came from. Deep code returns these; only the CLI
 * boundary decides how to print them and which exit code to use.
 */

/** Where in a source file something was found. Lines and columns are 1-based. */
export interface SourceRef {
  /** Absolute path of the file. Renderers show it relative to the working directory. */
  file: string;
  line: number;
  col: number;
  /** Dotted/indexed path inside the document, e.g. `analyses.classification.outputs[1].inputs[0]`. */
  path: string;
}

export type Severity = 'error' | 'warning';

/** One finding of validation (spec, universes, DAG). Validation collects all of them. */
export interface Diagnostic {
  /** Stable machine code, reusing ASTRA tool codes where one exists (e.g. `INVALID_FROM`). */
  code: string;
  severity: Severity;
  message: string;
  file?: string;
  line?: number;
  col?: number;
  path?: string;
  /** A concrete suggestion (e.g. `quote it: version: "1.0"`). */
  hint?: string;
}

/** A fatal, typed failure that stops a command (project not found, lock busy, ...). */
export class LcError extends Error {
  readonly code: string;
  readonly context: Record<string, unknown>;
  readonly hint: string | undefined;
  /** Diagnostics that explain this error, e.g. all spec validation errors. */
  readonly diagnostics: Diagnostic[];

  constructor(
    code: string,
    message: string,
    opts: { context?: Record<string, unknown>; hint?: string; diagnostics?: Diagnostic[]; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'LcError';
    this.code = code;
    this.context = opts.context ?? {};
    this.hint = opts.hint;
    this.diagnostics = opts.diagnostics ?? [];
  }
}

export type Result<T, E = LcError> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });

/** Build a diagnostic at a source location. */
export function diagnosticAt(
  ref: SourceRef | undefined,
  code: string,
  message: string,
  extra: { severity?: Severity; hint?: string } = {},
): Diagnostic {
  const d: Diagnostic = { code, severity: extra.severity ?? 'error', message };
  if (ref) {
    d.file = ref.file;
    d.line = ref.line;
    d.col = ref.col;
    d.path = ref.path;
  }
  if (extra.hint) d.hint = extra.hint;
  return d;
}

export const hasErrors = (ds: readonly Diagnostic[]): boolean => ds.some((d) => d.severity === 'error');
