/**
 * The decision/output structure of a project compiled for fast per-universe evaluation:
 * every `when` term, alias and re-export is resolved once to an object reference, so judging
 * 20,000 universes does no string parsing and no map lookups by qualified id.
 *
 * Activity (astra-spec §6.3): a decision is active when all its `when` terms hold; an alias
 * is active when its own terms hold and its target is active; a term `d.o` holds when `d` is
 * active and chose `o` (`~d.o` is its negation). Outputs work the same way, and a re-export
 * is active only when its target is.
 */
import type { AnalysisNode, DecisionDecl, OutputDecl } from './model.js';
import { parseTemplate } from './template.js';

export interface CTerm {
  dec: CDecision;
  option: string;
  negate: boolean;
}

export interface CDecision {
  /** Index into per-universe arrays (every decision, aliases included). */
  idx: number;
  decl: DecisionDecl;
  node: CNode;
  /** Direct alias target, for aliases. */
  alias?: CDecision;
  /** The decision that holds the options (itself unless an alias). */
  concrete: CDecision;
  when: CTerm[];
}

export interface COutput {
  /** Index into per-universe arrays. */
  idx: number;
  decl: OutputDecl;
  node: CNode;
  when: CTerm[];
  /** Direct re-export target. */
  target?: COutput;
  /** `Output.decisions` resolved to local decisions. */
  decisions: CDecision[];
  /** Decision ids the recipe command substitutes (`{decisions.x}`). */
  rendered: Set<string>;
}

export interface CNode {
  node: AnalysisNode;
  decisions: CDecision[];
  byId: Map<string, CDecision>;
  outputs: COutput[];
  children: Map<string, CNode>;
}

export interface Compiled {
  root: CNode;
  /** All decisions, parents' before children's. */
  decisions: CDecision[];
  /** All outputs, parents' before children's. */
  outputs: COutput[];
}

function up(n: AnalysisNode, steps: number): AnalysisNode | undefined {
  let cur: AnalysisNode | undefined = n;
  for (let i = 0; i < steps && cur; i++) cur = cur.parent;
  return cur;
}

/** Compile a validated tree. Unresolvable references (only possible in invalid specs) are dropped. */
export function compile(tree: AnalysisNode): Compiled {
  const decisions: CDecision[] = [];
  const outputs: COutput[] = [];
  const byDecl = new Map<DecisionDecl, CDecision>();
  const outByDecl = new Map<OutputDecl, COutput>();
  const cnodeOf = new Map<AnalysisNode, CNode>();

  const build = (n: AnalysisNode): CNode => {
    const c: CNode = { node: n, decisions: [], byId: new Map(), outputs: [], children: new Map() };
    cnodeOf.set(n, c);
    for (const d of n.decisions.values()) {
      const cd = { idx: decisions.length, decl: d, node: c, when: [] } as unknown as CDecision;
      cd.concrete = cd;
      decisions.push(cd);
      byDecl.set(d, cd);
      c.decisions.push(cd);
      c.byId.set(d.id, cd);
    }
    for (const o of n.outputs) {
      const co: COutput = { idx: outputs.length, decl: o, node: c, when: [], decisions: [], rendered: new Set() };
      if (o.recipe) for (const p of parseTemplate(o.recipe.command).parts) if (p.kind === 'decision') co.rendered.add(p.id);
      outputs.push(co);
      outByDecl.set(o, co);
      c.outputs.push(co);
    }
    for (const [id, child] of n.children) c.children.set(id, build(child));
    return c;
  };
  const root = build(tree);

  const terms = (c: CNode, ts: { decision: string; option: string; negate: boolean }[]): CTerm[] =>
    ts.flatMap((t) => {
      const dec = c.byId.get(t.decision);
      return dec ? [{ dec, option: t.option, negate: t.negate }] : [];
    });

  for (const cd of decisions) {
    cd.when = terms(cd.node, cd.decl.when);
    const from = cd.decl.from;
    if (from !== undefined) {
      const m = /^((?:\.\.\/)+)([a-z][a-z0-9_]*)$/.exec(from);
      const anc = m ? up(cd.node.node, (m[1] as string).length / 3) : undefined;
      const target = anc ? anc.decisions.get(m?.[2] as string) : undefined;
      const t = target ? byDecl.get(target) : undefined;
      if (t) cd.alias = t;
    }
  }
  // Parents come first and alias targets are ancestors, so one pass finds every concrete decision.
  for (const cd of decisions) cd.concrete = cd.alias ? cd.alias.concrete : cd;

  for (const co of outputs) {
    co.when = terms(co.node, co.decl.when);
    co.decisions = co.decl.decisions.flatMap((id) => {
      const d = co.node.byId.get(id);
      return d ? [d] : [];
    });
    if (co.decl.from !== undefined) {
      const segs = co.decl.from.split('.');
      let n: CNode | undefined = co.node;
      for (const s of segs.slice(0, -1)) n = n?.children.get(s);
      const target = n?.node.outputs.find((o) => o.id === segs[segs.length - 1]);
      if (target) co.target = outByDecl.get(target);
    }
  }
  return { root, decisions, outputs };
}

const UNKNOWN = 0;
const VISITING = 1;
const ACTIVE = 2;
const INACTIVE = 3;

/** Choices and activity for one universe (or for the defaults). */
export class Evaluation {
  /** Chosen option per concrete decision index (undefined: no valid choice). */
  readonly choice: (string | undefined)[];
  /** Decisions the universe wrote a choice for (valid or not), by index. */
  readonly chosen: boolean[];
  // Plain arrays, not typed arrays or maps: one Evaluation per universe, 20,000 of them,
  // and small plain arrays are the cheapest to allocate.
  private readonly state: number[];
  private readonly outState: number[];

  constructor(readonly compiled: Compiled) {
    const n = compiled.decisions.length;
    this.choice = new Array<string | undefined>(n);
    this.chosen = new Array<boolean>(n).fill(false);
    this.state = new Array<number>(n).fill(UNKNOWN);
    this.outState = new Array<number>(compiled.outputs.length).fill(UNKNOWN);
  }

  active(d: CDecision): boolean {
    const s = this.state[d.idx];
    if (s === ACTIVE) return true;
    if (s === INACTIVE || s === VISITING) return false; // a loop of `when`s is WHEN_CYCLE upstream
    this.state[d.idx] = VISITING;
    let ok = d.alias === undefined || this.active(d.alias);
    for (let i = 0; ok && i < d.when.length; i++) ok = this.holds(d.when[i] as CTerm);
    this.state[d.idx] = ok ? ACTIVE : INACTIVE;
    return ok;
  }

  /** The option in force for a decision (through aliases), or undefined when inactive or unchosen. */
  value(d: CDecision): string | undefined {
    return this.active(d) ? this.choice[d.concrete.idx] : undefined;
  }

  holds(t: CTerm): boolean {
    const v = this.value(t.dec);
    return t.negate ? v !== t.option : v === t.option;
  }

  outputActive(o: COutput): boolean {
    const s = this.outState[o.idx];
    if (s === ACTIVE) return true;
    if (s === INACTIVE || s === VISITING) return false; // re-export loops are reported upstream
    this.outState[o.idx] = VISITING;
    let ok = o.decl.from === undefined || (o.target !== undefined && this.outputActive(o.target));
    for (let i = 0; ok && i < o.when.length; i++) ok = this.holds(o.when[i] as CTerm);
    this.outState[o.idx] = ok ? ACTIVE : INACTIVE;
    return ok;
  }
}
