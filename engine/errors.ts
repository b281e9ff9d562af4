/**
 * Every failure the user can cause carries a stable code, a message a scientist understands,
 * and where it came from: validation collects Diagnostics (values), and what stops a command is
 * thrown as an LcError. Only the CLI boundary decides how to print them and which exit code to use.
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

/**
 * Every code an LcError carries: printed as `[CODE]`, and what scripts may rely on. Codes from
 * the Python bridge (DASK_CONNECT, BRIDGE_ERROR, ...) are among them; toErrorCode() maps any
 * other foreign code to a fallback.
 */
export const ERROR_CODES = [
  'AMBIGUOUS_TARGET', 'BAD_REQUEST', 'BRIDGE_ERROR', 'CONFIG_INVALID', 'DASK_BRIDGE', 'DASK_BRIDGE_CLOSED',
  'DASK_BRIDGE_LOST', 'DASK_CONNECT', 'DASK_DUPLICATE', 'DASK_ERROR', 'DASK_MISSING', 'DASK_TIMEOUT',
  'DASK_TOO_OLD', 'DIR_CHANGED', 'DIR_MISSING', 'DIR_UNREADABLE', 'EXECUTOR', 'EXECUTOR_UNAVAILABLE',
  'HASH_IO', 'HASH_POOL_CLOSED', 'HASH_WORKER_FAILED', 'INTERNAL', 'JOB_CHANGED', 'JOB_EDITED', 'JOB_EXISTS',
  'JOB_INPUT_MISSING', 'JOB_INVALID', 'JOB_STALE', 'JOURNAL_INVALID', 'LOGIN_NODE',
  'MANIFEST_INVALID', 'NOT_A_TERMINAL', 'NO_RECIPE', 'NO_TASK', 'OUTPUT_CHANGED', 'OUTPUT_MISSING',
  'PILOT_SUBMIT', 'PREFLIGHT', 'PROJECT_EXISTS', 'PROJECT_NOT_FOUND', 'QUEUE_INVALID', 'RUN_LOCKED', 'RUN_LOCK_ERROR', 'SCHEDULER_EXTERNAL', 'SCHEDULER_LOCK',
  'SCHEDULER_START', 'SCHEDULER_STOP', 'SCHEDULER_UNREACHABLE', 'SCRATCH_NOT_PRIVATE', 'SCRATCH_UNUSABLE',
  'SLURM_ENV', 'SPEC_INVALID', 'TLS_SETUP',
  'UNKNOWN_OUTPUT', 'UNKNOWN_TARGET', 'UNKNOWN_UNIVERSE', 'USAGE',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/** A code that came from outside (the bridge, a state file) as an ErrorCode, else `fallback`. */
export function toErrorCode(code: string | undefined, fallback: ErrorCode): ErrorCode {
  return code !== undefined && KNOWN_CODES.has(code) ? (code as ErrorCode) : fallback;
}

/** A fatal, typed failure that stops a command (project not found, lock busy, ...). */
export class LcError extends Error {
  readonly code: ErrorCode;
  readonly context: Record<string, unknown>;
  readonly hint: string | undefined;
  /** Diagnostics that explain this error, e.g. all spec validation errors. */
  readonly diagnostics: Diagnostic[];

  constructor(
    code: ErrorCode,
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

/** For the default branch of a switch that must cover a whole union: fails to compile otherwise. */
export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}

/** The message of anything thrown: an Error's message, else its string form. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
