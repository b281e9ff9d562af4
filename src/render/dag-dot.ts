/**
 * `lc dag --dot`: Graphviz. Output level by default (one box per output, ellipses for external
 * data); with `tasks` one node per task, edges from task deps.
 */
import type { Task } from '../../engine/dag/task.js';
import { taskCounts, type OutputGraph } from './dag-graph.js';

/** A DOT quoted string; newlines become Graphviz's centred line break `\n`. */
const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

function header(name: string): string[] {
  return [`digraph ${q(name)} {`, '  rankdir=LR;', '  node [shape=box, style=rounded, fontname="Helvetica"];'];
}

export function renderDagDot(g: OutputGraph, name: string): string {
  const lines = header(name);
  const extra = new Map<string, string>();
  for (const o of g.outputs) {
    lines.push(`  ${q(o.qid)} [label=${q(`${o.qid}\n${taskCounts(o)}`)}];`);
    for (const i of o.inputs) {
      if (i.kind !== 'output') {
        const id = `${i.kind === 'external' ? 'input' : 'manual'}:${i.ref}`;
        const attrs = i.kind === 'external' ? 'shape=ellipse' : 'style="rounded,dashed"';
        extra.set(id, `  ${q(id)} [label=${q(i.source ?? i.ref)}, ${attrs}];`);
        lines.push(`  ${q(id)} -> ${q(o.qid)};`);
      } else {
        lines.push(`  ${q(i.ref)} -> ${q(o.qid)};`);
      }
    }
  }
  lines.splice(3, 0, ...extra.values());
  lines.push('}');
  return lines.join('\n') + '\n';
}

export function renderTaskDot(tasks: readonly Task[], name: string): string {
  const lines = header(name);
  for (const t of tasks) {
    lines.push(`  ${q(t.id)};`);
    for (const d of t.deps) lines.push(`  ${q(d)} -> ${q(t.id)};`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
