/**
 * Output-level ordering. Inputs are static (the same in every universe; only activity varies),
 * so the task graph is the output graph repeated per universe. Ordering and cycle detection
 * therefore run once on outputs, not on every task: O(outputs + edges), not O(tasks).
 */
import { diagnosticAt, type Diagnostic } from '../errors.js';
import type { Project } from '../astra/model.js';

export interface OutputOrder {
  /** Layer per real output qid: 0 for outputs consuming no output, else 1 + max(upstream). */
  layer: Map<string, number>;
  /** Real outputs (producers, not re-exports) sorted by (layer, spec order). */
  ordered: string[];
  diagnostics: Diagnostic[];
}

/** Upstream producer qids of every real output (deduplicated, input order). */
export function producerEdges(project: Project): Map<string, string[]> {
  const edges = new Map<string, string[]>();
  for (const [qid, out] of project.outputs) {
    if (out.producer !== qid) continue;
    const ups: string[] = [];
    for (const b of out.inputs) {
      if (b.kind === 'output' && project.outputs.has(b.producer) && !ups.includes(b.producer)) ups.push(b.producer);
    }
    edges.set(qid, ups);
  }
  return edges;
}

/**
 * Find cycles with an iterative DFS (specs can be deep; no recursion limits). Each cycle is
 * reported once, as the path `a -> b -> c -> a`, at the first output on it in spec order.
 */
function findCycles(project: Project, edges: Map<string, string[]>, index: Map<string, number>): Diagnostic[] {
  const WHITE = 0;
  const GREY = 1;
  const BLACK = 2;
  const colour = new Map<string, number>();
  const diagnostics: Diagnostic[] = [];
  const reported = new Set<string>();
  for (const start of edges.keys()) {
    if ((colour.get(start) ?? WHITE) !== WHITE) continue;
    const stack: { qid: string; next: number }[] = [{ qid: start, next: 0 }];
    colour.set(start, GREY);
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { qid: string; next: number };
      const ups = edges.get(top.qid) ?? [];
      if (top.next >= ups.length) {
        colour.set(top.qid, BLACK);
        stack.pop();
        continue;
      }
      const up = ups[top.next++] as string;
      const c = colour.get(up) ?? WHITE;
      if (c === WHITE) {
        colour.set(up, GREY);
        stack.push({ qid: up, next: 0 });
      } else if (c === GREY) {
        // The stack from `up` to the top is the cycle, walked against the dependency arrows;
        // print it in data-flow order (producer -> consumer).
        const from = stack.findIndex((f) => f.qid === up);
        const members = stack.slice(from).map((f) => f.qid);
        const signature = [...members].sort().join(' ');
        if (reported.has(signature)) continue;
        reported.add(signature);
        const first = [...members].sort((a, b) => (index.get(a) ?? 0) - (index.get(b) ?? 0))[0] as string;
        // Start the printed path at the first output in spec order, so it reads the same however
        // the search entered the cycle.
        const flow = [...members].reverse();
        const at = flow.indexOf(first);
        const rotated = [...flow.slice(at), ...flow.slice(0, at)];
        const path = [...rotated, first].join(' -> ');
        diagnostics.push(
          diagnosticAt(project.outputs.get(first)?.decl.ref, 'OUTPUT_CYCLE', `outputs depend on each other in a cycle (arrows run from input to consumer): ${path}`, {
            hint: 'remove one of these entries from an `inputs:` list so the outputs can be built in order',
          }),
        );
      }
    }
  }
  return diagnostics;
}

export function orderOutputs(project: Project): OutputOrder {
  const edges = producerEdges(project);
  // Position in the spec: project.outputs keeps declaration order.
  const index = new Map<string, number>();
  for (const q of project.outputs.keys()) index.set(q, index.size);
  const diagnostics = findCycles(project, edges, index);
  const layer = new Map<string, number>();
  if (diagnostics.length > 0) return { layer, ordered: [], diagnostics };

  // Kahn's algorithm; layer = longest path from a source. Acyclic here, so every output is reached.
  const pending = new Map<string, number>();
  const consumers = new Map<string, string[]>();
  for (const [qid, ups] of edges) {
    pending.set(qid, ups.length);
    for (const up of ups) {
      const list = consumers.get(up);
      if (list) list.push(qid);
      else consumers.set(up, [qid]);
    }
  }
  const queue: string[] = [];
  for (const [qid, n] of pending) if (n === 0) queue.push(qid);
  for (let i = 0; i < queue.length; i++) {
    const qid = queue[i] as string;
    const l = layer.get(qid) ?? 0;
    layer.set(qid, l);
    for (const c of consumers.get(qid) ?? []) {
      layer.set(c, Math.max(layer.get(c) ?? 0, l + 1));
      const left = (pending.get(c) as number) - 1;
      pending.set(c, left);
      if (left === 0) queue.push(c);
    }
  }
  const ordered = [...edges.keys()].sort(
    (a, b) => (layer.get(a) as number) - (layer.get(b) as number) || (index.get(a) as number) - (index.get(b) as number),
  );
  return { layer, ordered, diagnostics };
}
