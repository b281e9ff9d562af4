/**
 * The string patterns of the ASTRA 0.0.12 JSON Schema, in a module without zod so the fast
 * acceptance path (quick-shapes.ts) can use them without loading the schema library.
 */

/** `^\d+\.\d+(\.\d+)?$`: the ASTRA version an Analysis targets, as text. */
export const VERSION_RE = /^\d+\.\d+(\.\d+)?$/;
export const DOI_RE = /^10\.\d{4,}\/.*$/;
export const INPUT_FROM_RE = /^(\.\.\/)+[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;
export const OUTPUT_FROM_RE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
export const DECISION_FROM_RE = /^(\.\.\/)+[a-z][a-z0-9_]*$/;
/** RFC 3339 date-time (JSON Schema `format: date-time`): a date, a time and a zone are all required. */
export const DATETIME_RE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export const OUTPUT_TYPES = ['metric', 'figure', 'table', 'data', 'report'] as const;
export const INPUT_TYPES = ['data', 'analysis'] as const;
