/**
 * Validate one standalone document (an Analysis, a Universe or an Insight) without a project
 * around it: YAML, structure and ids only. The project loader (load.ts) does this for each
 * file and then checks references across files; conformance tests use it for single fixtures.
 */
import type { Diagnostic } from '../errors.js';
import type { DocKind } from './ids.js';
import { parseYaml } from './parse.js';
import { checkAnalysisDoc, checkInsightDoc, checkUniverseDoc } from './structure.js';
import { Locator, toJS, type SNode } from './yaml-source.js';

export interface CheckedDocument<T> {
  /** The typed value when the document is structurally valid. */
  value: T | undefined;
  /** The tree, for locating later diagnostics; undefined when the YAML did not parse. */
  loc: Locator;
  raw: unknown;
  diagnostics: Diagnostic[];
}

function fail<T>(file: string, root: SNode | undefined, diagnostics: Diagnostic[]): CheckedDocument<T> {
  return { value: undefined, loc: new Locator(file, root), raw: undefined, diagnostics };
}

/** Parse and structurally check one document's text. */
export async function checkDocumentText(kind: DocKind, text: string, file: string): Promise<CheckedDocument<unknown>> {
  const parsed = await parseYaml(text, file);
  if (!parsed.root) {
    if (parsed.diagnostics.length === 0) {
      parsed.diagnostics.push({ code: 'INVALID_YAML', severity: 'error', message: 'the file is empty; expected a YAML mapping', file, line: 1, col: 1 });
    }
    return fail(file, undefined, parsed.diagnostics);
  }
  const loc = new Locator(file, parsed.root);
  const raw = toJS(parsed.root);
  const check = kind === 'analysis' ? checkAnalysisDoc : kind === 'universe' ? checkUniverseDoc : checkInsightDoc;
  const r = await check(raw, loc);
  const diagnostics = dropShadowedWarnings([...parsed.diagnostics, ...r.diagnostics]);
  return { value: r.value, loc, raw, diagnostics };
}

/** A YAML 1.1 boolean warning adds nothing where the same spot already has an error. */
function dropShadowedWarnings(ds: Diagnostic[]): Diagnostic[] {
  const errorsAt = new Set(ds.filter((d) => d.severity === 'error').map((d) => `${d.line}:${d.col}`));
  return ds.filter((d) => !(d.code === 'YAML11_BOOLEAN' && errorsAt.has(`${d.line}:${d.col}`)));
}
