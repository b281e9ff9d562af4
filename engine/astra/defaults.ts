/**
 * What the decisions' declared defaults choose: for `lc validate --explain` (a universe of
 * defaults to copy) and for a project without universe files (its one universe `default`).
 * Conditions are evaluated under the defaults themselves, as `astra universe generate` does.
 */
import { Evaluation, type CNode, type Compiled } from './choices.js';

export interface DefaultChoices {
  /** Qualified decision id -> its default option, for every decision active under the defaults. */
  choices: Map<string, string>;
  /** Active, locally defined decisions without a default (a complete default universe is impossible). */
  withoutDefault: string[];
}

export function defaultChoicesOf(compiled: Compiled): DefaultChoices {
  const ev = new Evaluation(compiled);
  for (const d of compiled.decisions) if (d.alias === undefined && d.decl.default !== undefined) ev.choice[d.idx] = d.decl.default;
  const choices = new Map<string, string>();
  const withoutDefault: string[] = [];
  for (const d of compiled.decisions) {
    if (d.alias !== undefined || !ev.active(d)) continue;
    const v = ev.choice[d.idx];
    if (v === undefined) withoutDefault.push(d.decl.qid);
    else choices.set(d.decl.qid, v);
  }
  return { choices, withoutDefault };
}

/** `choices` as the body of a universe document: root `decisions`, nested `analyses`. */
export function universeDocOf(c: CNode, choices: ReadonlyMap<string, string>): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  const decs: Record<string, string> = {};
  for (const d of c.node.decisions.values()) {
    const v = d.from === undefined ? choices.get(d.qid) : undefined;
    if (v !== undefined) decs[d.id] = v;
  }
  if (Object.keys(decs).length > 0) doc.decisions = decs;
  const subs: Record<string, unknown> = {};
  for (const [k, child] of c.children) {
    const sub = universeDocOf(child, choices);
    if (Object.keys(sub).length > 0) subs[k] = sub;
  }
  if (Object.keys(subs).length > 0) doc.analyses = subs;
  return doc;
}
