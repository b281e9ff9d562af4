/**
 * `lc dag --dot`: Graphviz. Output level by default (one box per output, ellipses for external
 * data); with `tasks` one node per task, edges from task deps.
 */
import type { Task } from '../../engine/dag/task.js';
import type { OutputGraph } from './dag-graph.js';

const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

function header(name: string): string[] {
  return [`digraph ${q(name)} {`, '  rankdir=LR;', '  node [shape=box, style=rounded, fontname="Helvetica"];'];
}

export function renderDagDot(g: OutputGraph, name: string): string {
  const lines = header(name);
  const extra = new Map<string, string>();
  for (const o of g.outputs) {
    const counts = o.groups < o.tasks ? `${o.tasks} tasks, ${o.groups} groups` : `${o.tasks} tasks`;
    lines.push(`  ${q(o.qid)} [label=${q(`${o.qid}\n${counts}`)}];`);
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
