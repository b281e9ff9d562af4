/**
 * A YAML document as a small position-carrying tree (SNode), independent of the parser that
 * produced it. Two parsers fill it: a fast one for the plain block YAML that ASTRA specs and
 * universe files are written in (yaml-fast.ts), and the `yaml` package for everything else
 * (yaml-full.ts). Validation reads JS values made from the tree and asks the tree where a
 * document path lives, so every diagnostic can name a line and column.
 */
import type { Diagnostic, SourceRef } from '../errors.js';

export type ScalarValue = string | number | boolean | null;

/** How a scalar was written: plain (unquoted), quoted, or a block scalar (`|`, `>`). */
export type ScalarStyle = 'plain' | 'quoted' | 'block';

interface Located {
  /** 1-based line and column of the node's first character. */
  line: number;
  col: number;
}

export interface SScalar extends Located {
  kind: 'scalar';
  value: ScalarValue;
  style: ScalarStyle;
  /** Source text of the scalar (for plain scalars: exactly as written, e.g. `1.0`). */
  raw: string;
}

export interface SPair {
  /** The key as the JS object key (`String(value)`, '' for a null key), like yaml's toJS. */
  key: string;
  /** What the key resolved to: ASTRA keys are ids, so anything but a string is a mistake. */
  keyValue: ScalarValue;
  keyStyle: ScalarStyle;
  keyLine: number;
  keyCol: number;
  value: SNode;
}

export interface SMap extends Located {
  kind: 'map';
  pairs: SPair[];
}

export interface SSeq extends Located {
  kind: 'seq';
  items: SNode[];
}

export type SNode = SScalar | SMap | SSeq;

/** A document path: map keys and sequence indices from the document root. */
export type DocPath = readonly (string | number)[];

const SIMPLE_KEY = /^[A-Za-z0-9_-]+$/;

/** `analyses.classification.outputs[1].inputs[0]`; odd keys are written `["a.b"]`. */
export function formatPath(path: DocPath): string {
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else if (SIMPLE_KEY.test(seg)) s += s === '' ? seg : `.${seg}`;
    else s += `[${JSON.stringify(seg)}]`;
  }
  return s;
}

/** Plain JS value of a node (maps become objects, last duplicate key wins, like yaml's toJS). */
export function toJS(node: SNode): unknown {
  switch (node.kind) {
    case 'scalar':
      return node.value;
    case 'seq':
      return node.items.map(toJS);
    case 'map': {
      const o: Record<string, unknown> = {};
      for (const p of node.pairs) {
        // defineProperty: a key named __proto__ must stay a plain data key.
        if (p.key === '__proto__') Object.defineProperty(o, p.key, { value: toJS(p.value), enumerable: true, writable: true, configurable: true });
        else o[p.key] = toJS(p.value);
      }
      return o;
    }
  }
}

/** Key indexes of big maps (a decision with 20,000 options), so lookups stay O(1). */
const INDEX = new WeakMap<SMap, Map<string, SPair>>();

function lastPair(map: SMap, key: string): SPair | undefined {
  if (map.pairs.length > 16) {
    let idx = INDEX.get(map);
    if (!idx) {
      idx = new Map();
      for (const p of map.pairs) idx.set(p.key, p); // later duplicates win, as in toJS
      INDEX.set(map, idx);
    }
    return idx.get(key);
  }
  for (let i = map.pairs.length - 1; i >= 0; i--) {
    const p = map.pairs[i] as SPair;
    if (p.key === key) return p;
  }
  return undefined;
}

/** The node at `path`, or undefined when some step does not exist. */
export function nodeAt(root: SNode, path: DocPath): SNode | undefined {
  let n: SNode | undefined = root;
  for (const seg of path) {
    if (!n) return undefined;
    if (typeof seg === 'number') n = n.kind === 'seq' ? n.items[seg] : undefined;
    else n = n.kind === 'map' ? lastPair(n, seg)?.value : undefined;
  }
  return n;
}

/**
 * Where diagnostics about one file point. `at(path)` finds the node for a document path and
 * falls back to the nearest existing parent, so a missing field points at its object.
 */
export class Locator {
  private tree: SNode | undefined | (() => SNode | undefined);

  /** `root` may be a function: the tree is then built only if a position is ever asked for. */
  constructor(
    readonly file: string,
    root: SNode | undefined | (() => SNode | undefined),
  ) {
    this.tree = root;
  }

  get root(): SNode | undefined {
    if (typeof this.tree === 'function') this.tree = this.tree();
    return this.tree;
  }

  /**
   * Position of `path`. A map entry whose value is a scalar points at the value (`1.0` in
   * `version: 1.0`); one whose value is a collection, or any entry with `key: true`, points at
   * its key (the line that names it).
   */
  at(path: DocPath, opts: { key?: boolean } = {}): SourceRef {
    const ref: SourceRef = { file: this.file, line: 1, col: 1, path: formatPath(path) };
    let n: SNode | undefined = this.root;
    if (!n) return ref;
    ref.line = n.line;
    ref.col = n.col;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i] as string | number;
      const last = i === path.length - 1;
      if (typeof seg === 'number') {
        const next: SNode | undefined = n.kind === 'seq' ? n.items[seg] : undefined;
        if (!next) return ref;
        n = next;
        ref.line = n.line;
        ref.col = n.col;
      } else {
        const p: SPair | undefined = n.kind === 'map' ? lastPair(n, seg) : undefined;
        if (!p) return ref;
        n = p.value;
        const useKey = (last && opts.key === true) || n.kind !== 'scalar';
        ref.line = useKey ? p.keyLine : n.line;
        ref.col = useKey ? p.keyCol : n.col;
      }
    }
    return ref;
  }
}

/** Result of parsing one YAML file. `root` is undefined when the file could not be parsed. */
export interface ParsedYaml {
  root: SNode | undefined;
  diagnostics: Diagnostic[];
}

/**
 * YAML 1.1 booleans that YAML 1.2 reads as text: what PyYAML (astra-tools) turns into true/false.
 * `y`/`n` are YAML 1.1 booleans on paper, but PyYAML keeps them as text (upstream fixtures use
 * `id: y`), so warning about them would only be noise.
 */
const YAML11_BOOL = /^(?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$/;

/**
 * Checks every parser leaves to one place: duplicate keys (an error: the earlier value would
 * be silently dropped), keys that are not strings, and plain scalars that YAML 1.1 tools read
 * as booleans (a warning: the file is valid YAML 1.2, which ASTRA's JSON Schema and lc use,
 * but `astra validate` would read `no` as false).
 */
export function checkTree(root: SNode, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const at = (line: number, col: number, path: DocPath) => ({ file, line, col, path: formatPath(path) });
  const walk = (n: SNode, path: (string | number)[]): void => {
    if (n.kind === 'scalar') {
      if (n.style === 'plain' && typeof n.value === 'string' && n.value.length <= 3 && YAML11_BOOL.test(n.value)) {
        out.push({
          code: 'YAML11_BOOLEAN',
          severity: 'warning',
          message: `\`${n.value}\` is text here, but YAML 1.1 tools (PyYAML, astra validate) read it as a boolean`,
          ...at(n.line, n.col, path),
          hint: `quote it: "${n.value}"`,
        });
      }
      return;
    }
    if (n.kind === 'seq') {
      n.items.forEach((item, i) => {
        path.push(i);
        walk(item, path);
        path.pop();
      });
      return;
    }
    // Small maps (most of them) find duplicates by scanning; big ones use an index.
    const seen = n.pairs.length > 8 ? new Map<string, SPair>() : undefined;
    n.pairs.forEach((p, i) => {
      path.push(p.key);
      let first: SPair | undefined;
      if (seen) {
        first = seen.get(p.key);
        if (!first) seen.set(p.key, p);
      } else {
        for (let j = 0; j < i && !first; j++) if ((n.pairs[j] as SPair).key === p.key) first = n.pairs[j];
      }
      if (first) {
        out.push({
          code: 'DUPLICATE_KEY',
          severity: 'error',
          message: `key \`${p.key}\` appears twice in the same mapping (first on line ${first.keyLine}); YAML keeps only one of them`,
          ...at(p.keyLine, p.keyCol, path),
          hint: 'merge the two entries or rename one',
        });
      }
      if (typeof p.keyValue !== 'string') {
        const what = p.keyValue === null ? 'null (empty)' : `a ${typeof p.keyValue}`;
        out.push({
          code: 'NON_STRING_KEY',
          severity: 'error',
          message: `key \`${p.key}\` is read as ${what}, but ASTRA keys are ids (text)`,
          ...at(p.keyLine, p.keyCol, path),
          hint: p.keyValue === null ? 'give the entry a name' : `quote it: "${p.key}":`,
        });
      } else if (p.keyStyle === 'plain' && p.key.length <= 3 && YAML11_BOOL.test(p.key)) {
        out.push({
          code: 'YAML11_BOOLEAN',
          severity: 'warning',
          message: `key \`${p.key}\` is text here, but YAML 1.1 tools (PyYAML, astra validate) read it as a boolean`,
          ...at(p.keyLine, p.keyCol, path),
          hint: `quote it: "${p.key}":`,
        });
      }
      walk(p.value, path);
      path.pop();
    });
  };
  walk(root, []);
  return out;
}
