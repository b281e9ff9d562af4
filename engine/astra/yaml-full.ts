/**
 * The complete YAML 1.2 reader (the `yaml` package), used for any file the fast parser leaves
 * alone, and the source of every YAML syntax error message. It is imported lazily so projects
 * written in plain YAML never pay for loading it.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, Scalar, type Document, type Node } from 'yaml';
import type { Diagnostic } from '../errors.js';
import type { ParsedYaml, ScalarStyle, ScalarValue, SNode, SPair } from './yaml-source.js';

function styleOf(s: Scalar): ScalarStyle {
  // An explicit tag (`!!str yes`) says what the author meant, like quotes do.
  if (s.tag) return 'quoted';
  switch (s.type) {
    case Scalar.QUOTE_DOUBLE:
    case Scalar.QUOTE_SINGLE:
      return 'quoted';
    case Scalar.BLOCK_FOLDED:
    case Scalar.BLOCK_LITERAL:
      return 'block';
    default:
      return 'plain';
  }
}

function scalarValue(v: unknown): ScalarValue {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (v === undefined) return null;
  return String(v);
}

class Converter {
  private readonly active = new Set<Node>();

  constructor(
    private readonly text: string,
    private readonly lc: LineCounter,
    private readonly doc: Document,
    private readonly diagnostics: Diagnostic[],
    private readonly file: string,
  ) {}

  private pos(offset: number | undefined): { line: number; col: number } {
    const p = this.lc.linePos(offset ?? 0);
    return p.line === 0 ? { line: 1, col: 1 } : p;
  }

  node(n: unknown, fallbackOffset: number): SNode {
    if (isAlias(n)) {
      const target = n.resolve(this.doc);
      if (!target || this.active.has(target)) {
        const at = this.pos(n.range?.[0]);
        this.diagnostics.push({ code: 'INVALID_YAML', severity: 'error', message: `alias *${n.source} does not resolve to a finite value`, file: this.file, ...at });
        return { kind: 'scalar', value: null, style: 'plain', raw: '', ...at };
      }
      this.active.add(target);
      const out = this.node(target, n.range?.[0] ?? fallbackOffset);
      this.active.delete(target);
      return out;
    }
    if (isScalar(n)) {
      const start = n.range?.[0] ?? fallbackOffset;
      const style = styleOf(n);
      const src = this.text.slice(start, n.range?.[1] ?? start);
      // raw: plain and quoted scalars as written; a block scalar's header (`|`, `>-`).
      const raw = style === 'block' ? (/^[|>][-+0-9]*/.exec(src)?.[0] ?? '') : src.trimEnd();
      return { kind: 'scalar', value: scalarValue(n.value), style, raw, ...this.pos(start) };
    }
    if (isSeq(n)) {
      const start = n.range?.[0] ?? fallbackOffset;
      return { kind: 'seq', items: n.items.map((item) => this.node(item, start)), ...this.pos(start) };
    }
    if (isMap(n)) {
      const start = n.range?.[0] ?? fallbackOffset;
      const pairs: SPair[] = [];
      for (const p of n.items) {
        const keyNode = p.key as unknown;
        const keyOffset = isScalar(keyNode) ? (keyNode.range?.[0] ?? start) : start;
        const kp = this.pos(keyOffset);
        let keyValue: ScalarValue = null;
        let keyStyle: ScalarStyle = 'plain';
        if (isScalar(keyNode)) {
          keyValue = scalarValue(keyNode.value);
          keyStyle = styleOf(keyNode);
        } else if (keyNode !== null && keyNode !== undefined) {
          this.diagnostics.push({
            code: 'INVALID_YAML',
            severity: 'error',
            message: 'a mapping key must be a single value (complex keys are not used in ASTRA files)',
            file: this.file,
            ...kp,
          });
          continue;
        }
        const valueOffset = (p.value as Node | null)?.range?.[0] ?? keyOffset;
        const value: SNode =
          p.value === null || p.value === undefined
            ? { kind: 'scalar', value: null, style: 'plain', raw: '', ...this.pos(valueOffset) }
            : this.node(p.value, valueOffset);
        pairs.push({ key: keyValue === null ? '' : String(keyValue), keyValue, keyStyle, keyLine: kp.line, keyCol: kp.col, value });
      }
      return { kind: 'map', pairs, ...this.pos(start) };
    }
    const at = this.pos(fallbackOffset);
    return { kind: 'scalar', value: null, style: 'plain', raw: '', ...at };
  }
}

/** Parse with the full YAML 1.2 reader; syntax errors become INVALID_YAML diagnostics with a position. */
export function parseFull(text: string, file: string): ParsedYaml {
  const lc = new LineCounter();
  // uniqueKeys: false because yaml's duplicate check is quadratic in the map size (a 20,000-option
  // decision took seconds); checkTree reports duplicates instead, with both lines.
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false, prettyErrors: false });
  const diagnostics: Diagnostic[] = [];
  for (const e of doc.errors) {
    const p = lc.linePos(e.pos[0]);
    diagnostics.push({
      code: 'INVALID_YAML',
      severity: 'error',
      message: `YAML syntax error: ${e.message}`,
      file,
      line: p.line === 0 ? 1 : p.line,
      col: p.line === 0 ? 1 : p.col,
      hint: 'check the indentation and quoting on this line and the one above',
    });
  }
  if (diagnostics.length > 0) return { root: undefined, diagnostics };
  for (const w of doc.warnings) {
    const p = lc.linePos(w.pos[0]);
    diagnostics.push({ code: 'YAML_WARNING', severity: 'warning', message: w.message, file, line: p.line || 1, col: p.line === 0 ? 1 : p.col });
  }
  if (doc.contents === null) return { root: undefined, diagnostics };
  const root = new Converter(text, lc, doc, diagnostics, file).node(doc.contents, 0);
  return { root, diagnostics };
}
