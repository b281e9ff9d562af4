/**
 * The zod side of structural validation, loaded only when a document is not clean enough for
 * the quick acceptance checks (quick-shapes.ts): it runs the schema and explains every issue.
 */
import type { Diagnostic } from '../errors.js';
import type { DocKind } from './ids.js';
import { IssueConverter } from './schema-issues.js';
import { InsightDocSchema, RootAnalysisSchema, UniverseDocSchema } from './schema.js';
import type { Locator } from './yaml-source.js';

const SCHEMAS = { analysis: RootAnalysisSchema, universe: UniverseDocSchema, insight: InsightDocSchema } as const;

/** The schema's verdict and its issues as diagnostics; `value` is the parsed document when valid. */
export function schemaCheck(kind: DocKind, doc: unknown, loc: Locator): { ok: boolean; value: unknown; diagnostics: Diagnostic[] } {
  const parsed = SCHEMAS[kind].safeParse(doc);
  if (parsed.success) return { ok: true, value: parsed.data, diagnostics: [] };
  return { ok: false, value: undefined, diagnostics: new IssueConverter(kind, doc, loc).convert(parsed.error.issues) };
}
