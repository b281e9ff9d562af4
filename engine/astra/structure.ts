/**
 * Structural validation of one document: the zod schema (schema.ts) plus the rules the JSON
 * Schema expresses with if/then (aliases are pure; `type` unless `from`; `label` and `options`
 * unless `from`), id patterns and reserved ids on map keys and `id:` fields, MAP_KEY_ID_MISMATCH,
 * and warnings for what the published schema allows but other ASTRA tools refuse.
 *
 * The checks here read the raw value defensively, so they all run even when zod found
 * problems elsewhere: one pass reports every structural error of the file.
 */
import type { Diagnostic } from '../errors.js';
import { diagnosticAt } from '../errors.js';
import { describeOwner, isObj } from './describe.js';
import { checkElementId, checkUniverseId, type DocKind } from './ids.js';
import { quickAnalysisOk, quickUniverseOk } from './quick-shapes.js';
import type { RawAnalysis, RawUniverse } from './schema.js';
import type { DocPath, Locator } from './yaml-source.js';

type SchemaModule = typeof import('./schema-check.js');
let schemaModule: Promise<SchemaModule> | undefined;

/**
 * The schema's verdict: a clean document is accepted by the quick checks without loading zod;
 * anything else goes through the zod schema, which explains each problem.
 */
async function schemaVerdict(kind: DocKind, doc: unknown, loc: Locator): Promise<{ ok: boolean; value: unknown; diagnostics: Diagnostic[] }> {
  if (kind === 'analysis' ? quickAnalysisOk(doc) : kind === 'universe' ? quickUniverseOk(doc) : false) {
    return { ok: true, value: doc, diagnostics: [] };
  }
  schemaModule ??= import('./schema-check.js');
  return (await schemaModule).schemaCheck(kind, doc, loc);
}

const ROOT_FIELDS = new Set(['id', 'version', 'name', 'description', 'tags', 'container', 'path', 'inputs', 'outputs', 'decisions', 'prior_insights', 'findings', 'analyses']);

/** Fields an alias may not declare, per element kind (astra-spec §7.3). */
const ALIAS_FORBIDS = {
  input: ['type', 'label', 'description', 'source', 'ref', 'ref_version', 'use_outputs'],
  output: ['type', 'label', 'description', 'inputs', 'decisions', 'recipe'],
  decision: ['label', 'options', 'default', 'rationale', 'tags'],
} as const;

const has = (o: Record<string, unknown>, k: string) => Object.prototype.hasOwnProperty.call(o, k);

export type StructureResult<T> = { value: T; diagnostics: Diagnostic[] } | { value: undefined; diagnostics: Diagnostic[] };

class Checker {
  readonly out: Diagnostic[] = [];
  constructor(
    private readonly doc: unknown,
    private readonly loc: Locator,
    private readonly kind: DocKind,
  ) {}

  private owner(path: DocPath): string {
    return describeOwner(this.doc, path, this.kind);
  }

  private id(id: unknown, what: string, path: DocPath, key = false): void {
    if (typeof id !== 'string') return; // a non-text id is a type error reported by the schema
    const d = checkElementId(id, what, () => this.loc.at(path, { key }));
    if (d) this.out.push(d);
  }

  /** A map-keyed element: the key is its id; an inline `id:` must equal it. */
  private keyed(key: string, entry: unknown, what: string, path: DocPath): void {
    this.id(key, what, path, true);
    // (path arrays are built by callers; only messages turn them into positions)
    if (isObj(entry) && typeof entry.id === 'string' && entry.id !== key) {
      this.out.push(
        diagnosticAt(this.loc.at([...path, 'id']), 'MAP_KEY_ID_MISMATCH', `${what} \`${key}\` says \`id: ${entry.id}\`; the key is its id`, {
          hint: `remove the id line or write id: ${key}`,
        }),
      );
    }
  }

  private alias(kind: keyof typeof ALIAS_FORBIDS, o: Record<string, unknown>, path: DocPath): void {
    const owner = this.owner(path);
    if (has(o, 'from')) {
      for (const f of ALIAS_FORBIDS[kind]) {
        if (!has(o, f)) continue;
        this.out.push(
          diagnosticAt(this.loc.at([...path, f], { key: true }), 'ALIAS_FIELD', `${owner} is an alias (from: ${String(o.from)}) and cannot also declare \`${f}\`: an alias inherits everything from what it points to`, {
            hint: `remove \`${f}\``,
          }),
        );
      }
      return;
    }
    const required = kind === 'decision' ? ['label', 'options'] : ['type'];
    for (const f of required) {
      if (has(o, f)) continue;
      const want =
        kind === 'input' ? '`type: data` (or analysis)' : kind === 'output' ? '`type:` (metric, figure, table, data or report)' : `\`${f}:\``;
      this.out.push(
        diagnosticAt(this.loc.at(path), 'SCHEMA_REQUIRED', `${owner} needs ${want}, or \`from:\` if it stands for another ${kind}`, {
          hint: kind === 'decision' && f === 'options' ? 'options: {a: {label: A}, b: {label: B}}' : `add \`${f}:\``,
        }),
      );
    }
  }

  analysis(a: unknown, path: DocPath): void {
    if (!isObj(a)) return;
    const list = (field: 'inputs' | 'outputs') => {
      const xs = a[field];
      if (!Array.isArray(xs)) return;
      xs.forEach((x, i) => {
        if (!isObj(x)) return;
        const p = [...path, field, i];
        this.id(x.id, field === 'inputs' ? 'input' : 'output', [...p, 'id']);
        this.alias(field === 'inputs' ? 'input' : 'output', x, p);
      });
    };
    list('inputs');
    list('outputs');
    if (isObj(a.decisions)) {
      for (const [k, d] of Object.entries(a.decisions)) {
        const p = [...path, 'decisions', k];
        this.keyed(k, d, 'decision', p);
        if (d === null) {
          this.out.push(
            diagnosticAt(this.loc.at(p, { key: true }), 'SCHEMA_REQUIRED', `decision \`${k}\` is empty: it needs \`label\` and \`options\` (or \`from:\`)`),
          );
        }
        if (!isObj(d)) continue;
        this.alias('decision', d, p);
        if (isObj(d.options)) this.options(d.options, [...p, 'options']);
      }
    }
    for (const field of ['prior_insights', 'findings'] as const) {
      const m = a[field];
      if (!isObj(m)) continue;
      for (const [k, ins] of Object.entries(m)) {
        const p = [...path, field, k];
        this.keyed(k, ins, 'insight', p);
        this.evidence(ins, p);
      }
    }
    if (isObj(a.analyses)) {
      for (const [k, sub] of Object.entries(a.analyses)) {
        const p = [...path, 'analyses', k];
        this.keyed(k, sub, 'sub-analysis', p);
        this.analysis(sub, p);
      }
    }
  }

  private options(opts: Record<string, unknown>, path: DocPath): void {
    for (const [k, o] of Object.entries(opts)) {
      const p = [...path, k];
      this.keyed(k, o, 'option', p);
      if (typeof o === 'string') {
        this.out.push(
          diagnosticAt(this.loc.at(p), 'OPTION_SHORTHAND', `option \`${k}\` is written as a bare label; the JSON Schema accepts that, but astra validate does not`, {
            severity: 'warning',
            hint: `${k}: {label: ${JSON.stringify(o)}}`,
          }),
        );
      }
    }
  }

  evidence(ins: unknown, path: DocPath): void {
    if (!isObj(ins) || !Array.isArray(ins.evidence)) return;
    ins.evidence.forEach((e, i) => {
      if (isObj(e)) this.id(e.id, 'evidence', [...path, 'evidence', i, 'id']);
    });
  }

  universeNodes(m: unknown, path: DocPath): void {
    if (!isObj(m)) return;
    for (const [k, n] of Object.entries(m)) {
      const p = [...path, k];
      this.keyed(k, n, 'sub-analysis', p);
      if (isObj(n)) this.universeNodes(n.analyses, [...p, 'analyses']);
    }
  }
}

function notMapping(loc: Locator, what: string): Diagnostic {
  return diagnosticAt(loc.at([]), 'INVALID_YAML', `${what} must be a YAML mapping (key: value lines) at the top level`, {
    hint: 'start the file with lines like `id: ...`',
  });
}

/**
 * Validate an Analysis document (astra.yaml, or the astra.yaml of a `path:` sub-analysis).
 * Unknown root keys are warnings: the published schema accepts them, but they are usually
 * typos or fields removed from ASTRA (`narrative`, `authors`).
 */
export async function checkAnalysisDoc(doc: unknown, loc: Locator): Promise<StructureResult<RawAnalysis>> {
  if (!isObj(doc)) return { value: undefined, diagnostics: [notMapping(loc, 'an astra.yaml')] };
  const c = new Checker(doc, loc, 'analysis');
  const parsed = await schemaVerdict('analysis', doc, loc);
  const diagnostics = parsed.diagnostics;
  if (typeof doc.id === 'string') {
    const d = checkElementId(doc.id, 'analysis', loc.at(['id']));
    if (d) c.out.push(d);
  }
  for (const k of Object.keys(doc)) {
    if (ROOT_FIELDS.has(k)) continue;
    const legacy = k === 'narrative' || k === 'authors';
    c.out.push(
      diagnosticAt(loc.at([k], { key: true }), 'UNKNOWN_FIELD', `unknown top-level field \`${k}\` (ignored)`, {
        severity: 'warning',
        hint: legacy ? `\`${k}\` was removed in ASTRA 0.0.11; put prose in \`description\`` : `ASTRA analysis fields: ${[...ROOT_FIELDS].join(', ')}`,
      }),
    );
  }
  c.analysis(doc, []);
  diagnostics.push(...c.out);
  const ok = parsed.ok && !c.out.some((d) => d.severity === 'error');
  return ok ? { value: parsed.value as RawAnalysis, diagnostics } : { value: undefined, diagnostics };
}

export async function checkUniverseDoc(doc: unknown, loc: Locator): Promise<StructureResult<RawUniverse>> {
  if (!isObj(doc)) return { value: undefined, diagnostics: [notMapping(loc, 'a universe file')] };
  const parsed = await schemaVerdict('universe', doc, loc);
  const diagnostics = parsed.diagnostics;
  const c = new Checker(doc, loc, 'universe');
  if (typeof doc.id === 'string') {
    const d = checkUniverseId(doc.id, loc.at(['id']));
    if (d) c.out.push(d);
  }
  c.universeNodes(doc.analyses, ['analyses']);
  diagnostics.push(...c.out);
  const ok = parsed.ok && c.out.length === 0;
  return ok ? { value: parsed.value as RawUniverse, diagnostics } : { value: undefined, diagnostics };
}

/** A standalone Insight document (e.g. tests-data/valid/Insight-001.yaml). */
export async function checkInsightDoc(doc: unknown, loc: Locator): Promise<StructureResult<unknown>> {
  if (!isObj(doc)) return { value: undefined, diagnostics: [notMapping(loc, 'an insight file')] };
  const parsed = await schemaVerdict('insight', doc, loc);
  const diagnostics = parsed.diagnostics;
  const c = new Checker(doc, loc, 'insight');
  if (typeof doc.id === 'string') {
    const d = checkElementId(doc.id, 'insight', loc.at(['id']));
    if (d) c.out.push(d);
  }
  c.evidence(doc, []);
  diagnostics.push(...c.out);
  const ok = parsed.ok && c.out.length === 0;
  return ok ? { value: parsed.value, diagnostics } : { value: undefined, diagnostics };
}
