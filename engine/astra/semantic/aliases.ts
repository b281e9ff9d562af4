/**
 * `from:` resolution with the legal direction per element kind (astra-spec §7.2):
 *   Input.from     up: `../id` an ancestor's input; `../sub.out` an output below an ancestor
 *   Output.from    down: `child.out`, `child.grand.out` (a re-export)
 *   Decision.from  up: `../id` an ancestor's decision
 * Chains are followed to the element that holds the content. With these directions a chain
 * cannot loop, but the walk still guards against it (ALIAS_CYCLE) rather than trusting that.
 */
import type { DecisionDecl, InputDecl, OutputDecl } from '../model.js';
import type { NodeSource } from '../build.js';
import { allNodes, ancestor, childOf, type Findings, known, named, refIn } from './context.js';

export interface FromPath {
  up: number;
  segs: string[];
}

export function parseFromPath(s: string): FromPath | undefined {
  const m = /^((?:\.\.\/)*)([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)$/.exec(s);
  if (!m) return undefined;
  return { up: (m[1] as string).length / 3, segs: (m[2] as string).split('.') };
}

export type OutputRef = { decl: OutputDecl; src: NodeSource };
export type InputTarget = { kind: 'input'; decl: InputDecl; src: NodeSource } | { kind: 'output'; decl: OutputDecl; src: NodeSource };

/** Direct targets of every alias that resolved, and the concrete elements behind them. */
export class AliasTable {
  readonly decisionTarget = new Map<DecisionDecl, { decl: DecisionDecl; src: NodeSource }>();
  readonly inputTarget = new Map<InputDecl, InputTarget>();
  readonly outputTarget = new Map<OutputDecl, OutputRef>();
  /** Aliases whose chain is broken (bad target or cycle): nothing downstream should use them. */
  readonly broken = new Set<object>();

  /** The decision that holds label and options (itself when not an alias). */
  concreteDecision(d: DecisionDecl): DecisionDecl | undefined {
    let cur: DecisionDecl | undefined = d;
    const seen = new Set<DecisionDecl>();
    while (cur && cur.from !== undefined) {
      if (seen.has(cur)) return undefined;
      seen.add(cur);
      cur = this.decisionTarget.get(cur)?.decl;
    }
    return cur;
  }

  /** The output that really has the recipe, following re-exports. */
  producer(o: OutputRef): OutputRef | undefined {
    let cur: OutputRef | undefined = o;
    const seen = new Set<OutputDecl>();
    while (cur && cur.decl.from !== undefined) {
      if (seen.has(cur.decl)) return undefined;
      seen.add(cur.decl);
      cur = this.outputTarget.get(cur.decl);
    }
    return cur;
  }

  /** The non-alias input, or the producing output, behind an input. */
  concreteInput(i: { decl: InputDecl; src: NodeSource }): InputTarget | undefined {
    let cur: InputTarget = { kind: 'input', ...i };
    const seen = new Set<InputDecl>();
    while (cur.kind === 'input' && cur.decl.from !== undefined) {
      if (seen.has(cur.decl)) return undefined;
      seen.add(cur.decl);
      const next = this.inputTarget.get(cur.decl);
      if (!next) return undefined;
      cur = next;
    }
    if (cur.kind === 'output') {
      const p = this.producer(cur);
      return p ? { kind: 'output', ...p } : undefined;
    }
    return cur;
  }
}

/** Descend from `start` through the named children; undefined at the first unknown one. */
function descend(start: NodeSource, path: string[]): { src?: NodeSource; missing?: string; at?: NodeSource } {
  let cur = start;
  for (const id of path) {
    const next = childOf(cur, id);
    if (!next) return { missing: id, at: cur };
    cur = next;
  }
  return { src: cur };
}

const inSubtree = (n: NodeSource, top: NodeSource): boolean => {
  for (let c: NodeSource | undefined = n; c; c = c.parent) if (c === top) return true;
  return false;
};

const where = (src: NodeSource) => (src.node.qid ? `sub-analysis \`${src.node.qid}\`` : 'the root analysis');

export function resolveAliases(root: NodeSource, f: Findings): AliasTable {
  const t = new AliasTable();
  for (const src of allNodes(root)) {
    src.node.decisions.forEach((d) => decisionFrom(src, d, t, f));
    src.node.inputs.forEach((inp, i) => inputFrom(src, inp, i, t, f));
    src.node.outputs.forEach((o, i) => outputFrom(src, o, i, t, f));
  }
  checkChains(root, t, f);
  return t;
}

function decisionFrom(src: NodeSource, d: DecisionDecl, t: AliasTable, f: Findings): void {
  if (d.from === undefined) return;
  const ref = refIn(src, ['decisions', d.id, 'from']);
  const p = parseFromPath(d.from);
  const bad = (msg: string, hint?: string) => {
    t.broken.add(d);
    f.add(ref, 'INVALID_DECISION_FROM', `${named('decision', d.qid)}: ${msg}`, hint ? { hint } : {});
  };
  if (!p || p.up === 0) return bad(`from: ${d.from} must go up, like ../${d.from}`);
  if (p.segs.length !== 1) {
    return bad(`from: ${d.from} may only name an ancestor's decision (../id), not reach sideways or down`, 'declare the decision on the common ancestor and alias it in each child with from: ../id');
  }
  const anc = ancestor(src, p.up);
  if (!anc) return bad(src.parent ? `from: ${d.from} goes above the root analysis` : 'the root analysis has no parent to take a decision from');
  const id = p.segs[0] as string;
  const target = anc.node.decisions.get(id);
  if (!target) return bad(`${where(anc)} has no decision \`${id}\` (${known(anc.node.decisions.keys(), 'decisions there')})`);
  t.decisionTarget.set(d, { decl: target, src: anc });
}

function inputFrom(src: NodeSource, inp: InputDecl, i: number, t: AliasTable, f: Findings): void {
  if (inp.from === undefined) return;
  const ref = refIn(src, ['inputs', i, 'from']);
  const bad = (msg: string, hint?: string) => {
    t.broken.add(inp);
    f.add(ref, 'INVALID_FROM', `${named('input', inp.qid)}: ${msg}`, hint ? { hint } : {});
  };
  const p = parseFromPath(inp.from);
  if (!p || p.up === 0) return bad(`from: ${inp.from} must go up (../id or ../sub.output); to use a child's output, re-export it`);
  const anc = ancestor(src, p.up);
  if (!anc) return bad(src.parent ? `from: ${inp.from} goes above the root analysis` : 'the root analysis has no parent to take an input from');
  if (p.segs.length === 1) {
    const id = p.segs[0] as string;
    const target = anc.node.inputs.find((x) => x.id === id);
    if (!target) {
      const isOutput = anc.node.outputs.some((o) => o.id === id);
      return bad(
        `${where(anc)} has no input \`${id}\` (${known(anc.node.inputs.map((x) => x.id), 'inputs there')})`,
        isOutput ? `\`${id}\` is an output there; an input can only take an output of a sub-analysis (../sub.${id})` : undefined,
      );
    }
    t.inputTarget.set(inp, { kind: 'input', decl: target, src: anc });
    return;
  }
  const d = descend(anc, p.segs.slice(0, -1));
  if (!d.src) {
    const at = d.at as NodeSource;
    return bad(`${where(at)} has no sub-analysis \`${d.missing}\` (${known(at.node.children.keys(), 'sub-analyses there')})`);
  }
  if (inSubtree(d.src, src)) return bad(`from: ${inp.from} points at this analysis's own outputs`, 'an analysis cannot take its own (or its children\'s) outputs as inputs');
  const outId = p.segs[p.segs.length - 1] as string;
  const target = d.src.node.outputs.find((o) => o.id === outId);
  if (!target) return bad(`${where(d.src)} has no output \`${outId}\` (${known(d.src.node.outputs.map((o) => o.id), 'outputs there')})`);
  t.inputTarget.set(inp, { kind: 'output', decl: target, src: d.src });
}

function outputFrom(src: NodeSource, o: OutputDecl, i: number, t: AliasTable, f: Findings): void {
  if (o.from === undefined) return;
  const ref = refIn(src, ['outputs', i, 'from']);
  const bad = (msg: string) => {
    t.broken.add(o);
    f.add(ref, 'INVALID_OUTPUT_FROM', `${named('output', o.qid)}: ${msg}`);
  };
  const p = parseFromPath(o.from);
  if (!p || p.up > 0 || p.segs.length < 2) return bad(`from: ${o.from} must name an output of a sub-analysis below this one, like child.output`);
  const d = descend(src, p.segs.slice(0, -1));
  if (!d.src) {
    const at = d.at as NodeSource;
    return bad(`${where(at)} has no sub-analysis \`${d.missing}\` (${known(at.node.children.keys(), 'sub-analyses there')})`);
  }
  const outId = p.segs[p.segs.length - 1] as string;
  const target = d.src.node.outputs.find((x) => x.id === outId);
  if (!target) return bad(`${where(d.src)} has no output \`${outId}\` (${known(d.src.node.outputs.map((x) => x.id), 'outputs there')})`);
  t.outputTarget.set(o, { decl: target, src: d.src });
}

type ChainEnd = 'ok' | 'broken' | 'cycle';

/** Walk an alias chain: does it end, hit an alias already known to be bad, or loop? */
function walkChain(start: object, step: (x: object) => object | undefined | 'end', broken: Set<object>): ChainEnd {
  const seen = new Set<object>();
  let cur: object | undefined | 'end' = start;
  while (cur !== 'end') {
    if (cur === undefined || broken.has(cur)) return 'broken';
    if (seen.has(cur)) return 'cycle';
    seen.add(cur);
    cur = step(cur);
  }
  return 'ok';
}

/** Chains through aliases that each resolved one step must also end at a real element. */
function checkChains(root: NodeSource, t: AliasTable, f: Findings): void {
  const decisionStep = (x: object) => {
    const d = x as DecisionDecl;
    return d.from === undefined ? 'end' : t.decisionTarget.get(d)?.decl;
  };
  const outputStep = (x: object) => {
    const o = x as OutputDecl;
    return o.from === undefined ? 'end' : t.outputTarget.get(o)?.decl;
  };
  const inputStep = (x: object): object | undefined | 'end' => {
    if ('recipe' in x || 'when' in x) return outputStep(x); // an OutputDecl reached from an input
    const i = x as InputDecl;
    return i.from === undefined ? 'end' : t.inputTarget.get(i)?.decl;
  };
  const report = (el: object, end: ChainEnd, ref: ReturnType<typeof refIn>, what: string) => {
    if (end === 'ok') return;
    t.broken.add(el);
    if (end === 'cycle') f.add(ref, 'ALIAS_CYCLE', `${what}: its chain of from: references loops back on itself`);
  };
  for (const src of allNodes(root)) {
    src.node.decisions.forEach((d) => {
      if (d.from !== undefined) report(d, walkChain(d, decisionStep, t.broken), refIn(src, ['decisions', d.id, 'from']), named('decision', d.qid));
    });
    src.node.outputs.forEach((o, i) => {
      if (o.from !== undefined) report(o, walkChain(o, outputStep, t.broken), refIn(src, ['outputs', i, 'from']), named('output', o.qid));
    });
    src.node.inputs.forEach((inp, i) => {
      if (inp.from !== undefined) report(inp, walkChain(inp, inputStep, t.broken), refIn(src, ['inputs', i, 'from']), named('input', inp.qid));
    });
  }
}
