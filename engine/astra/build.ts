/**
 * Raw (structurally valid) analysis content -> model declarations (model.ts), with a source
 * reference on every element. No cross-references are checked here; semantic/ does that.
 */
import type { Diagnostic, SourceRef } from '../errors.js';
import type { AnalysisNode, Condition, DecisionDecl, InputDecl, OptionDecl, OutputDecl, Recipe } from './model.js';
import { containerKey } from '../containers/spec.js';
import { normaliseResources } from './resources.js';
import type { RawAnalysis, RawDecision, RawInput, RawOutput } from './schema.js';
import { formatPath, nodeAt, type DocPath, type Locator } from './yaml-source.js';

/** Where one node's content lives: the file and the path of the content inside it. */
export interface NodeSource {
  node: AnalysisNode;
  raw: RawAnalysis;
  loc: Locator;
  /** Path of this node's content in `loc`'s file ([] for a file's root). */
  base: DocPath;
  /** Directory of the file holding the content (relative paths in it resolve from here). */
  dir: string;
  parent?: NodeSource;
  children: NodeSource[];
}

const TERM_RE = /^(~?)([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)$/;

/** `dec.opt` / `~dec.opt`, or undefined when the term has another shape. */
export function parseCondition(raw: string): Condition | undefined {
  const m = TERM_RE.exec(raw);
  if (!m) return undefined;
  return { negate: m[1] === '~', decision: m[2] as string, option: m[3] as string, raw };
}

const qualify = (nodeQid: string, id: string) => (nodeQid ? `${nodeQid}.${id}` : id);

function setOpt<T extends object, K extends keyof T>(o: T, k: K, v: T[K] | null | undefined): void {
  if (v !== null && v !== undefined) o[k] = v;
}

export class DeclBuilder {
  readonly diagnostics: Diagnostic[] = [];
  constructor(
    private readonly src: { loc: Locator; base: DocPath },
    private readonly node: AnalysisNode,
  ) {}

  private at(path: DocPath, key = false): SourceRef {
    return this.src.loc.at([...this.src.base, ...path], { key });
  }

  input(r: RawInput, i: number): InputDecl {
    const d: InputDecl = { id: r.id, qid: qualify(this.node.qid, r.id), ref: this.at(['inputs', i]) };
    setOpt(d, 'type', r.type);
    setOpt(d, 'label', r.label);
    setOpt(d, 'description', r.description);
    setOpt(d, 'source', r.source);
    setOpt(d, 'analysisRef', r.ref);
    setOpt(d, 'from', r.from);
    return d;
  }

  output(r: RawOutput, i: number): OutputDecl {
    const p = ['outputs', i];
    const inputs = r.inputs ?? [];
    const d: OutputDecl = {
      id: r.id,
      qid: qualify(this.node.qid, r.id),
      ref: this.at(p),
      inputs,
      inputRefs: inputs.map((_, k) => this.at([...p, 'inputs', k])),
      decisions: r.decisions ?? [],
      decisionRefs: (r.decisions ?? []).map((_, k) => this.at([...p, 'decisions', k])),
      when: (r.when ?? []).map(parseCondition).filter((c): c is Condition => c !== undefined),
    };
    setOpt(d, 'type', r.type);
    setOpt(d, 'label', r.label);
    setOpt(d, 'description', r.description);
    setOpt(d, 'from', r.from);
    if (r.recipe) d.recipe = this.recipe(r, p);
    return d;
  }

  private recipe(r: RawOutput, p: DocPath): Recipe {
    const raw = r.recipe as NonNullable<RawOutput['recipe']>;
    const rp = [...p, 'recipe'];
    const owner = `recipe of output \`${this.node.qid ? `${this.node.qid}.` : ''}${r.id}\``;
    const res = normaliseResources(raw.resources, { at: (f, key) => this.at([...rp, 'resources', f], key === true), owner });
    this.diagnostics.push(...res.diagnostics);
    const recipe: Recipe = { command: raw.command ?? '', resources: res.resources, ref: this.at(rp), commandRef: this.at([...rp, 'command']) };
    const container = containerKey(raw.container) ?? this.node.container;
    if (container !== undefined) recipe.container = container;
    return recipe;
  }

  /**
   * Option refs straight from the options mapping's keys: a decision may have thousands of
   * options (a seed sweep), and locating each by path would cost more than the rest of loading.
   */
  private optionRefs(p: DocPath): (oid: string) => SourceRef {
    const full = [...this.src.base, ...p, 'options'];
    const map = this.src.loc.root ? nodeAt(this.src.loc.root, full) : undefined;
    const prefix = formatPath(full);
    const byKey = new Map<string, SourceRef>();
    if (map && map.kind === 'map') {
      for (const pair of map.pairs) byKey.set(pair.key, { file: this.src.loc.file, line: pair.keyLine, col: pair.keyCol, path: `${prefix}.${pair.key}` });
    }
    return (oid) => byKey.get(oid) ?? this.at([...p, 'options', oid], true);
  }

  decision(id: string, r: RawDecision): DecisionDecl {
    const p = ['decisions', id];
    const options = new Map<string, OptionDecl>();
    const refOf = this.optionRefs(p);
    for (const [oid, o] of Object.entries(r.options ?? {})) {
      if (typeof o === 'string') {
        options.set(oid, { id: oid, label: o, excluded: false, requires: [], incompatibleWith: [], ref: refOf(oid) });
        continue;
      }
      const opt: OptionDecl = {
        id: oid,
        label: o.label,
        excluded: o.excluded === true,
        requires: o.requires ?? [],
        incompatibleWith: o.incompatible_with ?? [],
        ref: refOf(oid),
      };
      setOpt(opt, 'description', o.description);
      setOpt(opt, 'excludedReason', o.excluded_reason);
      options.set(oid, opt);
    }
    const d: DecisionDecl = {
      id,
      qid: qualify(this.node.qid, id),
      ref: this.at(p, true),
      options,
      when: (r.when ?? []).map(parseCondition).filter((c): c is Condition => c !== undefined),
    };
    setOpt(d, 'label', r.label);
    setOpt(d, 'default', r.default);
    setOpt(d, 'rationale', r.rationale);
    setOpt(d, 'from', r.from);
    return d;
  }

  /** Fill the node's element lists from its raw content. */
  fill(raw: RawAnalysis): void {
    const n = this.node;
    (raw.inputs ?? []).forEach((r, i) => n.inputs.push(this.input(r, i)));
    (raw.outputs ?? []).forEach((r, i) => n.outputs.push(this.output(r, i)));
    for (const [id, r] of Object.entries(raw.decisions ?? {})) {
      if (r) n.decisions.set(id, this.decision(id, r));
    }
  }
}

/** A model node with metadata and no elements yet. */
export function newNode(opts: {
  id: string;
  qid: string;
  parent?: AnalysisNode;
  file: string;
  ref: SourceRef;
  pathRooted: boolean;
  resultsBase: string;
  namespaceQid: string;
  raw: RawAnalysis;
}): AnalysisNode {
  const n: AnalysisNode = {
    id: opts.id,
    qid: opts.qid,
    file: opts.file,
    ref: opts.ref,
    pathRooted: opts.pathRooted,
    resultsBase: opts.resultsBase,
    namespaceQid: opts.namespaceQid,
    inputs: [],
    outputs: [],
    decisions: new Map(),
    children: new Map(),
  };
  if (opts.parent) n.parent = opts.parent;
  setOpt(n, 'name', opts.raw.name);
  setOpt(n, 'version', opts.raw.version);
  setOpt(n, 'description', opts.raw.description);
  setOpt(n, 'container', containerKey(opts.raw.container));
  return n;
}
