/**
 * The output-level view of a task selection, shared by the text, DOT and Mermaid renderers:
 * which outputs are shown, how many tasks/universes/groups each has, and what feeds each one.
 */
import type { Dag, Task } from '../../engine/dag/task.js';
import type { Project } from '../../engine/astra/model.js';

export interface GraphInput {
  /** The entry as written in `Output.inputs`. */
  localId: string;
  /** 'output': a shown output with tasks; 'manual': an output without a recipe; 'external': a data input. */
  kind: 'output' | 'manual' | 'external';
  /** Producer qid (output, manual) or input qid (external). */
  ref: string;
  /** For externals: the locator as written (`source:`/`ref:`), if any. */
  source?: string;
}

export interface GraphOutput {
  qid: string;
  layer: number;
  tasks: number;
  /** Distinct execution groups among this output's shown tasks. */
  groups: number;
  inputs: GraphInput[];
}

export interface OutputGraph {
  /** In layered dependency order. */
  outputs: GraphOutput[];
  /** Universes of the whole DAG (the denominator of per-output counts). */
  universeCount: number;
  /** Universes that have at least one shown task. */
  shownUniverses: number;
  tasks: number;
  groups: number;
}

/**
 * `tasks` is the selection (topological order). `allOutputs` shows every output with a recipe
 * even when no selected task has it (the no-target view, where "active nowhere" is news).
 */
export function outputGraph(project: Project, dag: Dag, tasks: readonly Task[], allOutputs: boolean): OutputGraph {
  const perOutput = new Map<string, { tasks: number; groups: Set<string> }>();
  const universes = new Set<string>();
  const groups = new Set<string>();
  for (const t of tasks) {
    let e = perOutput.get(t.output);
    if (!e) perOutput.set(t.output, (e = { tasks: 0, groups: new Set() }));
    e.tasks++;
    e.groups.add(t.group);
    universes.add(t.universe);
    groups.add(t.group);
  }
  const shown = allOutputs ? dag.outputs : dag.outputs.filter((q) => perOutput.has(q));
  const outputs: GraphOutput[] = shown.map((qid) => {
    const e = perOutput.get(qid);
    const resolved = project.outputs.get(qid);
    const inputs: GraphInput[] = [];
    for (const b of resolved?.inputs ?? []) {
      if (b.kind === 'output') {
        const kind = dag.withoutRecipe?.has(b.producer) ? 'manual' : 'output';
        inputs.push({ localId: b.localId, kind, ref: b.producer });
      } else {
        const gi: GraphInput = { localId: b.localId, kind: 'external', ref: b.inputQid };
        const source = b.source ?? b.analysisRef;
        if (source !== undefined) gi.source = source;
        inputs.push(gi);
      }
    }
    return { qid, layer: dag.layer?.get(qid) ?? 0, tasks: e?.tasks ?? 0, groups: e?.groups.size ?? 0, inputs };
  });
  return { outputs, universeCount: dag.universes.length, shownUniverses: universes.size, tasks: tasks.length, groups: groups.size };
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** `4 tasks, 2 groups` (groups only when dedup merges some tasks). */
export function taskCounts(o: GraphOutput): string {
  return o.groups < o.tasks ? `${plural(o.tasks, 'task')}, ${plural(o.groups, 'group')}` : plural(o.tasks, 'task');
}
