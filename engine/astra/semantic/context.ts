/**
 * What every semantic check shares: the loaded tree, a place to collect diagnostics, and
 * helpers to point at a path inside one node's content.
 */
import type { Diagnostic, Severity, SourceRef } from '../../errors.js';
import { diagnosticAt } from '../../errors.js';
import type { NodeSource } from '../build.js';
import type { DocPath } from '../yaml-source.js';

export class Findings {
  readonly list: Diagnostic[] = [];

  add(ref: SourceRef | undefined, code: string, message: string, extra: { severity?: Severity; hint?: string } = {}): void {
    this.list.push(diagnosticAt(ref, code, message, extra));
  }

  warn(ref: SourceRef | undefined, code: string, message: string, hint?: string): void {
    this.add(ref, code, message, hint === undefined ? { severity: 'warning' } : { severity: 'warning', hint });
  }
}

/** Position of `path` inside a node's content (its file may be the parent's). */
export function refIn(src: NodeSource, path: DocPath, key = false): SourceRef {
  return src.loc.at([...src.base, ...path], { key });
}

/** Every node of the tree, parents before children, in declaration order. */
export function allNodes(root: NodeSource): NodeSource[] {
  const out: NodeSource[] = [];
  const walk = (n: NodeSource) => {
    out.push(n);
    n.children.forEach(walk);
  };
  walk(root);
  return out;
}

/** "output `x`" at the root, "output `a.x`" below it: elements named by qualified id. */
export const named = (what: string, qid: string) => `${what} \`${qid}\``;

/** The ancestor `up` levels above, or undefined past the root. */
export function ancestor(src: NodeSource, up: number): NodeSource | undefined {
  let n: NodeSource | undefined = src;
  for (let i = 0; i < up && n; i++) n = n.parent;
  return n;
}

export function childOf(src: NodeSource, id: string): NodeSource | undefined {
  return src.children.find((c) => c.node.id === id);
}

/** The list of ids, for "known: a, b, c" parts of messages. */
export function known(ids: Iterable<string>, noun: string): string {
  const xs = [...ids];
  if (xs.length === 0) return `there are no ${noun}`;
  const shown = xs.slice(0, 12).join(', ');
  return `known ${noun}: ${shown}${xs.length > 12 ? `, ... (${xs.length} in all)` : ''}`;
}
