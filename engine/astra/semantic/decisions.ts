/**
 * Decision-level rules (astra-spec §6, §9.2): defaults, excluded options, `when` terms on
 * decisions and outputs, `requires` / `incompatible_with`, option insights, evidence artifacts.
 * All references resolve in the same node: its own decisions plus its local aliases, whose
 * options are those of the decision they stand for.
 */
import type { NodeSource } from '../build.js';
import type { DecisionDecl, OptionDecl } from '../model.js';
import type { RawDecision } from '../schema.js';
import type { AliasTable } from './aliases.js';
import { allNodes, ancestor, type Findings, known, named, refIn } from './context.js';
import type { DocPath } from '../yaml-source.js';

const TERM_RE = /^(~?)([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)$/;
const CONSTRAINT_RE = /^([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)$/;

/** Options of a local decision (through its alias), or undefined when it cannot be known. */
export function optionsOf(d: DecisionDecl, t: AliasTable): Map<string, OptionDecl> | undefined {
  return t.concreteDecision(d)?.options;
}

export function checkDecisions(root: NodeSource, t: AliasTable, f: Findings): void {
  for (const src of allNodes(root)) {
    for (const [id, raw] of Object.entries(src.raw.decisions ?? {})) {
      const d = src.node.decisions.get(id);
      if (!raw || !d) continue;
      defaults(src, d, f);
      excluded(src, d, f);
      when(src, raw.when, ['decisions', id, 'when'], t, f, d);
      // One pass over the options finds those with references (usually few of thousands).
      let refs = false;
      for (const o of d.options.values()) if (o.requires.length || o.incompatibleWith.length) refs = true;
      if (refs) constraints(src, d, raw, t, f);
      if (hasInsightRefs(raw)) insights(src, d, raw, f);
    }
    (src.raw.outputs ?? []).forEach((o, i) => when(src, o.when, ['outputs', i, 'when'], t, f));
    whenCycles(src, f);
    artifacts(src, f);
  }
}

function defaults(src: NodeSource, d: DecisionDecl, f: Findings): void {
  if (d.default === undefined || d.from !== undefined) return;
  const ref = refIn(src, ['decisions', d.id, 'default']);
  const opt = d.options.get(d.default);
  if (!opt) {
    f.add(ref, 'INVALID_DEFAULT', `${named('decision', d.qid)}: default \`${d.default}\` is not one of its options (${known(d.options.keys(), 'options')})`);
  } else if (opt.excluded) {
    f.add(ref, 'EXCLUDED_DEFAULT', `${named('decision', d.qid)}: default \`${d.default}\` is an excluded option`, { hint: 'pick an option that is not excluded as the default' });
  }
}

function hasInsightRefs(raw: RawDecision): boolean {
  for (const k in raw.options ?? {}) {
    const o = (raw.options as Record<string, unknown>)[k];
    if (o && typeof o === 'object' && Array.isArray((o as { insights?: unknown }).insights)) return true;
  }
  return false;
}

function excluded(src: NodeSource, d: DecisionDecl, f: Findings): void {
  for (const o of d.options.values()) {
    if (o.excluded === Boolean(o.excludedReason)) continue;
    const p = ['decisions', d.id, 'options', o.id];
    if (o.excluded && !o.excludedReason) {
      f.add(refIn(src, p, true), 'MISSING_EXCLUDED_REASON', `option \`${o.id}\` of ${named('decision', d.qid)} is excluded without an \`excluded_reason\``, {
        hint: 'say why it was rejected: excluded_reason: ...',
      });
    }
    if (!o.excluded && o.excludedReason) {
      f.add(refIn(src, [...p, 'excluded_reason'], true), 'ORPHAN_EXCLUDED_REASON', `option \`${o.id}\` of ${named('decision', d.qid)} has an excluded_reason but is not excluded`, {
        hint: 'add excluded: true, or remove excluded_reason',
      });
    }
  }
}

/** `when` terms: shape, a decision in scope, an option of it; a decision may not depend on itself. */
function when(src: NodeSource, terms: string[] | null | undefined, path: DocPath, t: AliasTable, f: Findings, self?: DecisionDecl): void {
  (terms ?? []).forEach((term, k) => {
    const ref = refIn(src, [...path, k]);
    const m = TERM_RE.exec(term);
    if (!m) {
      f.add(ref, 'INVALID_WHEN_REF', `when term \`${term}\` must be decision.option or ~decision.option`);
      return;
    }
    const [, , decId, optId] = m as unknown as [string, string, string, string];
    const dec = src.node.decisions.get(decId);
    if (!dec) {
      const up = src.parent && [...allAncestors(src)].some((a) => a.node.decisions.has(decId));
      f.add(ref, 'INVALID_WHEN_REF', `when term \`${term}\`: no decision \`${decId}\` in this analysis (${known(src.node.decisions.keys(), 'decisions')})`, {
        hint: up ? `alias the ancestor's decision first: decisions: {${decId}: {from: ../${decId}}}` : undefined,
      });
      return;
    }
    if (self && dec === self) {
      f.add(ref, 'INVALID_WHEN_REF', `when term \`${term}\`: decision \`${decId}\` cannot depend on its own choice`);
      return;
    }
    const opts = optionsOf(dec, t);
    if (opts && !opts.has(optId)) {
      f.add(ref, 'INVALID_WHEN_REF', `when term \`${term}\`: decision \`${decId}\` has no option \`${optId}\` (${known(opts.keys(), 'options')})`);
    }
  });
}

function* allAncestors(src: NodeSource): Generator<NodeSource> {
  for (let a = src.parent; a; a = a.parent) yield a;
}

function constraints(src: NodeSource, d: DecisionDecl, raw: RawDecision, t: AliasTable, f: Findings): void {
  for (const [oid, o] of Object.entries(raw.options ?? {})) {
    if (typeof o === 'string') continue;
    for (const field of ['requires', 'incompatible_with'] as const) {
      (o[field] ?? []).forEach((c, k) => {
        const ref = refIn(src, ['decisions', d.id, 'options', oid, field, k]);
        const m = CONSTRAINT_RE.exec(c);
        if (!m) {
          f.add(ref, 'INVALID_CONSTRAINT_FORMAT', `${field} entry \`${c}\` of option \`${oid}\` must be exactly decision.option`, {
            hint: c.startsWith('~') ? '`~` is only for when:; write the option that must (not) be chosen' : undefined,
          });
          return;
        }
        const [, decId, optId] = m as unknown as [string, string, string];
        const dec = src.node.decisions.get(decId);
        if (!dec) {
          f.add(ref, 'INVALID_CONSTRAINT_REF', `${field} entry \`${c}\` of option \`${oid}\`: no decision \`${decId}\` in this analysis (${known(src.node.decisions.keys(), 'decisions')})`, {
            hint: src.parent ? `to constrain against an ancestor's decision, alias it here first (from: ../${decId})` : undefined,
          });
          return;
        }
        const opts = optionsOf(dec, t);
        if (opts && !opts.has(optId)) {
          f.add(ref, 'INVALID_CONSTRAINT_REF', `${field} entry \`${c}\` of option \`${oid}\`: decision \`${decId}\` has no option \`${optId}\` (${known(opts.keys(), 'options')})`);
        }
      });
    }
  }
}

/** Option.insights: a bare id in this node's prior_insights (or findings); `../id` in an ancestor's prior_insights. */
function insights(src: NodeSource, d: DecisionDecl, raw: RawDecision, f: Findings): void {
  for (const [oid, o] of Object.entries(raw.options ?? {})) {
    if (typeof o === 'string') continue;
    (o.insights ?? []).forEach((ref0, k) => {
      const ref = refIn(src, ['decisions', d.id, 'options', oid, 'insights', k]);
      const m = /^((?:\.\.\/)*)([a-z][a-z0-9_]*)$/.exec(ref0);
      if (!m) {
        f.add(ref, 'INVALID_INSIGHT_REF', `insight reference \`${ref0}\` of option \`${oid}\` must be an insight id, or ../id for an ancestor's`);
        return;
      }
      const up = (m[1] as string).length / 3;
      const id = m[2] as string;
      const at = ancestor(src, up);
      if (!at) {
        f.add(ref, 'INVALID_INSIGHT_REF', `insight reference \`${ref0}\` of option \`${oid}\` goes above the root analysis`);
        return;
      }
      const prior = at.raw.prior_insights ?? {};
      const found = up === 0 ? id in prior || id in (at.raw.findings ?? {}) : id in prior;
      if (!found) {
        f.add(ref, 'INVALID_INSIGHT_REF', `option \`${oid}\` of ${named('decision', d.qid)} cites insight \`${ref0}\`, which is not among the prior_insights ${up === 0 ? 'of this analysis' : `${up} level(s) up`} (${known(Object.keys(prior), 'prior insights')})`);
      }
    });
  }
}

/** Evidence `artifact:` names an output of the same node. */
function artifacts(src: NodeSource, f: Findings): void {
  const outs = new Set(src.node.outputs.map((o) => o.id));
  for (const field of ['prior_insights', 'findings'] as const) {
    for (const [iid, ins] of Object.entries(src.raw[field] ?? {})) {
      ins.evidence.forEach((e, k) => {
        if (typeof e.artifact !== 'string' || outs.has(e.artifact)) return;
        f.add(refIn(src, [field, iid, 'evidence', k, 'artifact']), 'INVALID_ARTIFACT_REF', `evidence \`${e.id}\` of insight \`${iid}\` points at artifact \`${e.artifact}\`, which is not an output of this analysis (${known(outs, 'outputs')})`);
      });
    }
  }
}

/** Decisions whose `when` conditions depend on each other in a loop can never be decided. */
function whenCycles(src: NodeSource, f: Findings): void {
  const deps = new Map<string, string[]>();
  for (const d of src.node.decisions.values()) deps.set(d.id, d.when.map((c) => c.decision).filter((x) => x !== d.id && src.node.decisions.has(x)));
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (id: string): void => {
    state.set(id, 1);
    stack.push(id);
    for (const next of deps.get(id) ?? []) {
      if (state.get(next) === 1) {
        const loop = [...stack.slice(stack.indexOf(next)), next].join(' -> ');
        f.add(refIn(src, ['decisions', next, 'when']), 'WHEN_CYCLE', `the when conditions of these decisions depend on each other in a loop: ${loop}`, {
          hint: 'break the loop: at least one of them must not depend on the others',
        });
      } else if (!state.has(next)) {
        visit(next);
      }
    }
    stack.pop();
    state.set(id, 2);
  };
  for (const id of deps.keys()) if (!state.has(id)) visit(id);
}
