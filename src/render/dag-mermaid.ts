/**
 * `lc dag --mermaid`: a Mermaid flowchart (renders in GitHub markdown). Node ids are generated
 * (`o0`, `i0`, `t0`) because Mermaid ids cannot hold dots, slashes or hyphens safely; the real
 * names go into quoted labels.
 */
import type { Task } from '../../engine/dag/task.js';
import { taskCounts, type OutputGraph } from './dag-graph.js';

/** Mermaid labels are HTML-ish: quotes and angle brackets become entities; lines join with <br/>. */
const label = (...lines: string[]) =>
  `"${lines.map((s) => s.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;')).join('<br/>')}"`;

export function renderDagMermaid(g: OutputGraph): string {
  const lines = ['flowchart LR'];
  const ids = new Map<string, string>();
  const idOf = (key: string, prefix: string) => {
    let id = ids.get(key);
    if (id === undefined) ids.set(key, (id = `${prefix}${ids.size}`));
    return id;
  };
  const edges: string[] = [];
  for (const o of g.outputs) {
    lines.push(`  ${idOf(`o:${o.qid}`, 'n')}[${label(o.qid, taskCounts(o))}]`);
  }
  for (const o of g.outputs) {
    for (const i of o.inputs) {
      if (i.kind === 'output') {
        edges.push(`  ${idOf(`o:${i.ref}`, 'n')} --> ${idOf(`o:${o.qid}`, 'n')}`);
        continue;
      }
      const key = `${i.kind}:${i.ref}`;
      if (!ids.has(key)) {
        const id = idOf(key, 'n');
        lines.push(i.kind === 'external' ? `  ${id}([${label(i.source ?? i.ref)}])` : `  ${id}[/${label(`${i.ref} (no recipe)`)}/]`);
      }
      edges.push(`  ${idOf(key, 'n')} --> ${idOf(`o:${o.qid}`, 'n')}`);
    }
  }
  return [...lines, ...edges].join('\n') + '\n';
}

export function renderTaskMermaid(tasks: readonly Task[]): string {
  const lines = ['flowchart LR'];
  const ids = new Map<string, string>();
  for (const t of tasks) {
    const id = `t${ids.size}`;
    ids.set(t.id, id);
    lines.push(`  ${id}[${label(t.id)}]`);
  }
  for (const t of tasks) for (const d of t.deps) {
    const from = ids.get(d);
    if (from !== undefined) lines.push(`  ${from} --> ${ids.get(t.id)}`);
  }
  return lines.join('\n') + '\n';
}
