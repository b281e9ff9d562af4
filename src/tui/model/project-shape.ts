/**
 * The static part of the screen, derived once from the DAG: outputs in layer order with their
 * upstream outputs, and every task in universe order.
 */
import type { Dag } from '../../../engine/dag/task.js';
import type { ProjectShape } from './actions.js';
import type { OutputInfo } from './types.js';

export function projectShape(name: string, dag: Dag): ProjectShape {
  const needs = new Map<string, Set<string>>();
  const types = new Map<string, OutputInfo['type']>();
  for (const t of dag.tasks) {
    if (!types.has(t.output)) types.set(t.output, t.type);
    let set = needs.get(t.output);
    if (!set) needs.set(t.output, (set = new Set()));
    for (const d of t.deps) {
      const up = dag.byId.get(d)?.output;
      if (up !== undefined && up !== t.output) set.add(up);
    }
  }
  const layer = new Map<string, number>();
  const outputs: OutputInfo[] = [];
  // dag.outputs is in dependency order, so every upstream layer is known before it is needed.
  for (const qid of dag.outputs) {
    const ups = [...(needs.get(qid) ?? [])];
    const l = ups.reduce((m, u) => Math.max(m, (layer.get(u) ?? 0) + 1), 0);
    layer.set(qid, l);
    const type = types.get(qid);
    if (type === undefined) continue; // an output with no task in these universes
    outputs.push({ qid, type, layer: l, needs: ups.sort((a, b) => dag.outputs.indexOf(a) - dag.outputs.indexOf(b)) });
  }
  const uIndex = new Map(dag.universes.map((u, i) => [u, i]));
  const tasks = dag.tasks
    .map((t) => ({ id: t.id, universe: t.universe, output: t.output, type: t.type }))
    .sort((a, b) => (uIndex.get(a.universe) ?? 0) - (uIndex.get(b.universe) ?? 0));
  return { name, universes: [...dag.universes], outputs, tasks };
}
