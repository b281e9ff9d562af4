/**
 * A fast parser for the subset of YAML that specs and universe files are written in: block
 * mappings and sequences, single-line plain and quoted scalars, single-line flow collections
 * (`[a, b]`, `{label: "x"}`), `|`/`>` block scalars and comments.
 *
 * Why it exists: the `yaml` package needs ~0.1 ms per small file and ~0.2 s for a 10,000-line
 * astra.yaml on a cold process, which alone would blow the `lc dag` budget for 2,000 and
 * 20,000 universes. This parser is ~50x faster on that subset.
 *
 * Contract: it returns exactly what yaml-full.ts returns for the same text (values, scalar
 * styles, positions), or `undefined` ("bail") for anything outside the subset (anchors, tags,
 * multi-line plain or quoted scalars, multi-line flow collections, tabs, directives, syntax
 * errors...). The caller then uses the full parser, which also produces the error messages.
 * test/astra/yaml-fast.test.ts checks the contract differentially against the `yaml` package.
 */
import type { ScalarStyle, ScalarValue, SMap, SNode, SPair, SScalar, SSeq } from './yaml-source.js';

class Bail extends Error {}
const bail = (): never => {
  throw new Bail();
};

// YAML 1.2 core schema resolution of plain scalars, as the `yaml` package does it.
const NULL_RE = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL_RE = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_RE = /^[-+]?[0-9]+$/;
const FLOAT_RE = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;
const FLOAT_EXP_RE = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
/** Rare core-schema forms (octal, hex, inf, nan): left to the full parser. */
const RARE_NUMBER_RE = /^(?:0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;

function resolvePlain(s: string): ScalarValue {
  const c = s.charCodeAt(0);
  // Only strings starting with a digit, sign, '.', '~', n/N, t/T, f/F can be non-strings.
  if (NULL_RE.test(s)) return null;
  if (BOOL_RE.test(s)) return s[0] === 't' || s[0] === 'T';
  if ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46) {
    if (INT_RE.test(s)) {
      const n = Number(s);
      if (!Number.isSafeInteger(n)) bail();
      return n;
    }
    if (FLOAT_RE.test(s) || FLOAT_EXP_RE.test(s)) return parseFloat(s);
    if (RARE_NUMBER_RE.test(s)) bail();
  }
  return s;
}

/** Characters that cannot start a plain scalar (c-indicator), except `-?:` handled apart. */
const INDICATOR = new Set(['[', ']', '{', '}', ',', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`']);

interface Quoted {
  value: string;
  /** Index just past the closing quote. */
  end: number;
}

function parseSingleQuoted(line: string, p: number): Quoted {
  let out = '';
  let i = p + 1;
  for (;;) {
    const q = line.indexOf("'", i);
    if (q < 0) bail();
    out += line.slice(i, q);
    if (line[q + 1] === "'") {
      out += "'";
      i = q + 2;
    } else {
      return { value: out, end: q + 1 };
    }
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
};

function parseDoubleQuoted(line: string, p: number): Quoted {
  let out = '';
  let i = p + 1;
  while (i < line.length) {
    const c = line[i] as string;
    if (c === '"') return { value: out, end: i + 1 };
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = line[i + 1];
    if (e === undefined) bail();
    const simple = SIMPLE_ESCAPES[e as string];
    if (simple !== undefined) {
      out += simple;
      i += 2;
      continue;
    }
    const len = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    const hex = line.slice(i + 2, i + 2 + len);
    if (len === 0 || hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) bail();
    const code = parseInt(hex, 16);
    if (code > 0x10ffff) bail();
    out += String.fromCodePoint(code);
    i += 2 + len;
  }
  return bail();
}

/** End of the significant text: at ` #` (a comment) or the end of the line. */
function contentEnd(line: string, from: number): number {
  let i = from;
  for (;;) {
    const h = line.indexOf('#', i);
    if (h < 0) return line.length;
    if (h === from || line[h - 1] === ' ') return h;
    i = h + 1;
  }
}

/** Only spaces and an optional comment remain from `i`. */
function onlyTrailing(line: string, i: number): boolean {
  while (line.charCodeAt(i) === 32) i++;
  return i >= line.length || line[i] === '#';
}

function indentOf(line: string): number {
  let n = 0;
  while (line.charCodeAt(n) === 32) n++;
  return n;
}

function isBlank(line: string): boolean {
  const n = indentOf(line);
  return n >= line.length || line[n] === '#';
}

interface KeyHit {
  key: string;
  keyValue: ScalarValue;
  keyStyle: ScalarStyle;
  /** Index just past the ':' indicator. */
  after: number;
}

class FastParser {
  private readonly lines: string[];
  private i = 0;

  constructor(text: string) {
    if (text.includes('\t')) bail();
    if (text.includes('\r')) {
      text = text.replace(/\r\n/g, '\n');
      if (text.includes('\r')) bail();
    }
    this.lines = text.split('\n');
  }

  document(): SNode {
    this.skipBlank();
    const line = this.lines[this.i];
    if (line === undefined) return bail();
    if (indentOf(line) !== 0 || line.startsWith('%') || line.startsWith('---') || line.startsWith('...')) bail();
    const root = this.blockCollection(0);
    this.skipBlank();
    if (this.i < this.lines.length) bail();
    return root;
  }

  private skipBlank(): void {
    while (this.i < this.lines.length && isBlank(this.lines[this.i] as string)) this.i++;
  }

  private isSeqItem(line: string, n: number): boolean {
    return line[n] === '-' && (n + 1 === line.length || line[n + 1] === ' ');
  }

  /** A block mapping or sequence whose first entry starts at column `ind` of the current line. */
  private blockCollection(ind: number): SNode {
    const line = this.lines[this.i] as string;
    if (this.isSeqItem(line, ind)) return this.seq(ind);
    if (this.keyAt(line, ind)) return this.map(ind);
    return bail();
  }

  private keyAt(line: string, p: number): KeyHit | undefined {
    const c = line[p];
    if (c === undefined) return undefined;
    if (c === '"' || c === "'") {
      const q = c === '"' ? parseDoubleQuoted(line, p) : parseSingleQuoted(line, p);
      let j = q.end;
      while (line.charCodeAt(j) === 32) j++;
      if (line[j] !== ':' || (j + 1 < line.length && line[j + 1] !== ' ')) return undefined;
      return { key: q.value, keyValue: q.value, keyStyle: 'quoted', after: j + 1 };
    }
    if (INDICATOR.has(c)) return undefined;
    if ((c === '-' || c === '?' || c === ':') && (p + 1 === line.length || line[p + 1] === ' ')) return undefined;
    const end = contentEnd(line, p);
    let j = p;
    for (;;) {
      const colon = line.indexOf(':', j);
      if (colon < 0 || colon >= end) return undefined;
      if (colon + 1 === line.length || line[colon + 1] === ' ') {
        const text = line.slice(p, colon).trimEnd();
        if (text === '') return undefined;
        const keyValue = resolvePlain(text);
        return { key: keyValue === null ? '' : String(keyValue), keyValue, keyStyle: 'plain', after: colon + 1 };
      }
      j = colon + 1;
    }
  }

  private map(ind: number): SMap {
    const map: SMap = { kind: 'map', pairs: [], line: this.i + 1, col: ind + 1 };
    for (;;) {
      this.skipBlank();
      const line = this.lines[this.i];
      if (line === undefined) break;
      const n = indentOf(line);
      if (n < ind) break;
      if (n > ind) bail();
      const hit = this.keyAt(line, ind) ?? bail();
      const keyLine = this.i + 1;
      const value = this.valueAfter(hit.after, ind, true);
      const pair: SPair = { key: hit.key, keyValue: hit.keyValue, keyStyle: hit.keyStyle, keyLine, keyCol: ind + 1, value };
      map.pairs.push(pair);
    }
    return map;
  }

  private seq(ind: number): SSeq {
    const seq: SSeq = { kind: 'seq', items: [], line: this.i + 1, col: ind + 1 };
    for (;;) {
      this.skipBlank();
      const line = this.lines[this.i];
      if (line === undefined) break;
      const n = indentOf(line);
      if (n < ind) break;
      if (n > ind) bail();
      if (!this.isSeqItem(line, ind)) break;
      // Blank out the '-' so the item's content sits at its real column: a compact mapping
      // (`- id: x` then `  type: y`) then parses as an ordinary block mapping at that column.
      const rewritten = `${line.slice(0, ind)} ${line.slice(ind + 1)}`;
      this.lines[this.i] = rewritten;
      const p = indentOf(rewritten);
      if (p >= rewritten.length || rewritten[p] === '#') {
        seq.items.push(this.valueAfter(ind + 1, ind, false));
      } else if (this.isSeqItem(rewritten, p) || this.keyAt(rewritten, p)) {
        seq.items.push(this.blockCollection(p));
      } else {
        seq.items.push(this.valueAfter(ind + 1, ind, false));
      }
    }
    return seq;
  }

  /**
   * The value that starts at `pos` of the current line (after `key:` or `- `). `parent` is the
   * indentation of the owning key or dash; nested content must be indented deeper.
   */
  private valueAfter(pos: number, parent: number, inMap: boolean): SNode {
    const line = this.lines[this.i] as string;
    let p = pos;
    while (line.charCodeAt(p) === 32) p++;
    if (p >= line.length || line[p] === '#') {
      const nullLine = this.i + 1;
      this.i++;
      this.skipBlank();
      const next = this.lines[this.i];
      if (next !== undefined) {
        const n = indentOf(next);
        if (n > parent) {
          if (this.isSeqItem(next, n) || this.keyAt(next, n)) return this.blockCollection(n);
          const s = this.inlineScalar(next, n, parent);
          return s;
        }
        if (inMap && n === parent && this.isSeqItem(next, n)) return this.seq(n);
      }
      return { kind: 'scalar', value: null, style: 'plain', raw: '', line: nullLine, col: p + 1 };
    }
    return this.inlineScalar(line, p, parent);
  }

  /** A value written on the current line at column `p` (scalar, block scalar, or flow). */
  private inlineScalar(line: string, p: number, parent: number): SNode {
    const c = line[p] as string;
    const line1 = this.i + 1;
    let node: SNode;
    if (c === '|' || c === '>') return this.blockScalar(line, p, parent);
    if (c === '[' || c === '{') {
      const f = this.flow(line, p);
      if (!onlyTrailing(line, f.end)) bail();
      node = f.node;
    } else if (c === '"' || c === "'") {
      const q = c === '"' ? parseDoubleQuoted(line, p) : parseSingleQuoted(line, p);
      if (!onlyTrailing(line, q.end)) bail();
      node = { kind: 'scalar', value: q.value, style: 'quoted', raw: line.slice(p, q.end), line: line1, col: p + 1 };
    } else {
      if (INDICATOR.has(c)) bail();
      if ((c === '-' || c === '?' || c === ':') && (p + 1 === line.length || line[p + 1] === ' ')) bail();
      const text = line.slice(p, contentEnd(line, p)).trimEnd();
      if (text.includes(': ') || text.endsWith(':')) bail();
      node = { kind: 'scalar', value: resolvePlain(text), style: 'plain', raw: text, line: line1, col: p + 1 };
    }
    this.i++;
    this.noContinuation(parent);
    return node;
  }

  /** After a one-line value, a deeper-indented line would continue it (or be an error): bail. */
  private noContinuation(parent: number): void {
    let j = this.i;
    while (j < this.lines.length) {
      const l = this.lines[j] as string;
      const n = indentOf(l);
      if (n >= l.length) {
        j++;
        continue;
      }
      if (n > parent) bail();
      if (l[n] === '#') {
        j++;
        continue;
      }
      return;
    }
  }

  private blockScalar(line: string, p: number, parent: number): SScalar {
    const folded = line[p] === '>';
    let j = p + 1;
    let chomp: 'clip' | 'strip' | 'keep' = 'clip';
    if (line[j] === '-' || line[j] === '+') {
      chomp = line[j] === '-' ? 'strip' : 'keep';
      j++;
    }
    if (j < line.length && line[j] !== ' ') bail(); // indentation indicator or junk
    if (!onlyTrailing(line, j)) bail();
    const header: SScalar = { kind: 'scalar', value: '', style: 'block', raw: line.slice(p, j), line: this.i + 1, col: p + 1 };
    this.i++;
    // Content indentation: the first non-empty line's. Leading empty lines are left to yaml.
    const first = this.lines[this.i];
    if (first === undefined || first.trim() === '') bail();
    const m = indentOf(first as string);
    if (m <= parent) bail();
    const body: string[] = [];
    while (this.i < this.lines.length) {
      const l = this.lines[this.i] as string;
      const n = indentOf(l);
      if (n >= l.length) {
        if (l.length > m) bail(); // spaces beyond the indentation are content; leave to yaml
        body.push('');
      } else if (n >= m) {
        body.push(l.slice(m));
      } else {
        break;
      }
      this.i++;
    }
    // At the end of the file, split('\n') cannot tell a final line break from none: leave to yaml.
    if (this.i >= this.lines.length && (chomp === 'keep' || this.lines[this.lines.length - 1] !== '')) bail();
    let last = body.length;
    while (last > 0 && body[last - 1] === '') last--;
    const core = body.slice(0, last);
    const trailing = body.length - last;
    let text: string;
    if (folded) {
      if (core.some((l) => l.startsWith(' '))) bail(); // more-indented lines fold differently
      text = '';
      let empties = 0;
      core.forEach((l, k) => {
        if (l === '') {
          empties++;
          return;
        }
        if (k > 0) text += empties > 0 ? '\n'.repeat(empties) : ' ';
        empties = 0;
        text += l;
      });
    } else {
      text = core.join('\n');
    }
    if (chomp === 'clip') text += '\n';
    else if (chomp === 'keep') text += '\n' + '\n'.repeat(trailing);
    // A deeper line after the content (a less-indented comment, say) is left to yaml.
    this.noContinuation(parent);
    header.value = text;
    return header;
  }

  private flow(line: string, p: number): { node: SNode; end: number } {
    const line1 = this.i + 1;
    const open = line[p];
    const close = open === '[' ? ']' : '}';
    let j = p + 1;
    const skip = () => {
      while (line.charCodeAt(j) === 32) j++;
    };
    const seq: SSeq = { kind: 'seq', items: [], line: line1, col: p + 1 };
    const map: SMap = { kind: 'map', pairs: [], line: line1, col: p + 1 };
    for (;;) {
      skip();
      if (line[j] === close) return { node: open === '[' ? seq : map, end: j + 1 };
      if (open === '[') {
        const item = this.flowItem(line, j);
        seq.items.push(item.node);
        j = item.end;
      } else {
        const keyCol = j + 1;
        const c = line[j];
        let key: ScalarValue;
        let keyStyle: ScalarStyle;
        if (c === '"' || c === "'") {
          const q = c === '"' ? parseDoubleQuoted(line, j) : parseSingleQuoted(line, j);
          key = q.value;
          keyStyle = 'quoted';
          j = q.end;
          skip();
          if (line[j] !== ':') bail();
          j++;
        } else {
          const colon = line.indexOf(': ', j);
          if (colon < 0) bail();
          const text = line.slice(j, colon).trimEnd();
          if (text === '' || /[,[\]{}#]/.test(text) || INDICATOR.has(text[0] as string)) bail();
          key = resolvePlain(text);
          keyStyle = 'plain';
          j = colon + 1;
        }
        skip();
        let value: SNode;
        if (line[j] === ',' || line[j] === close) {
          value = { kind: 'scalar', value: null, style: 'plain', raw: '', line: line1, col: j + 1 };
        } else {
          const item = this.flowItem(line, j);
          value = item.node;
          j = item.end;
        }
        map.pairs.push({ key: key === null ? '' : String(key), keyValue: key, keyStyle, keyLine: line1, keyCol, value });
      }
      skip();
      if (line[j] === ',') {
        j++;
        continue;
      }
      if (line[j] !== close) bail();
    }
  }

  private flowItem(line: string, j: number): { node: SNode; end: number } {
    const c = line[j];
    if (c === undefined) return bail();
    if (c === '[' || c === '{') return this.flow(line, j);
    if (c === '"' || c === "'") {
      const q = c === '"' ? parseDoubleQuoted(line, j) : parseSingleQuoted(line, j);
      return { node: { kind: 'scalar', value: q.value, style: 'quoted', raw: line.slice(j, q.end), line: this.i + 1, col: j + 1 }, end: q.end };
    }
    if (INDICATOR.has(c) || ((c === '-' || c === '?' || c === ':') && line[j + 1] === ' ')) bail();
    let k = j;
    while (k < line.length && !',[]{}'.includes(line[k] as string)) {
      if (line[k] === ':' && (line[k + 1] === ' ' || line[k + 1] === undefined)) bail(); // a pair in a flow seq
      if (line[k] === '#' && line[k - 1] === ' ') bail();
      k++;
    }
    if (line[k] === '[' || line[k] === '{') bail();
    const text = line.slice(j, k).trimEnd();
    if (text === '') bail();
    return { node: { kind: 'scalar', value: resolvePlain(text), style: 'plain', raw: text, line: this.i + 1, col: j + 1 }, end: k };
  }
}

/** The document's tree, or undefined when the text is outside the fast subset. */
export function parseFast(text: string): SNode | undefined {
  try {
    if (text.charCodeAt(0) === 0xfeff) return undefined; // byte-order mark: positions differ; leave to yaml
    return new FastParser(text).document();
  } catch (e) {
    if (e instanceof Bail) return undefined;
    throw e;
  }
}
