/**
 * `lc dag`: show the task DAG as a layered tree, JSON, Graphviz DOT or Mermaid.
 * Targets restrict the view to those tasks plus everything upstream of them.
 */
import { selectTasks, upstreamClosure } from '../../engine/dag/index.js';
import { LcError } from '../../engine/errors.js';
import { parseCommandArgs, SELECT_OPTIONS } from '../args.js';
import { paint } from '../color.js';
import { formatDiagnostic } from '../diagnostics.js';
import { openFullProject } from '../project-context.js';
import { renderDagDot, renderTaskDot } from '../render/dag-dot.js';
import { outputGraph } from '../render/dag-graph.js';
import { writeDagJson } from '../render/dag-json.js';
import { renderDagMermaid, renderTaskMermaid } from '../render/dag-mermaid.js';
import { renderDagText } from '../render/dag-text.js';
import type { Command } from './command.js';

const USAGE = `Usage: lc dag [--json | --dot | --mermaid] [--tasks] [-u UNIVERSE]... [TARGET...]

Show the task DAG: one task per (universe, output with a recipe).

Targets: output, sub.output or universe/output. With targets, only those tasks and
everything upstream of them are shown.

Options:
  --json            {"schema":1,"tasks":[{id, universe, output, key, group, deps,
                    command, outdir, resources}]} in topological order
  --dot             Graphviz DOT of the outputs (with --tasks: of the tasks)
  --mermaid         Mermaid flowchart of the outputs (with --tasks: of the tasks)
  --tasks           task-level graph for --dot / --mermaid
  --ascii           plain ASCII tree connectors in the text view
  -u, --universe U  only universe U (repeatable); execution groups stay those of the
                    whole DAG, so a group may name a task of another universe

Examples:
  lc dag                          the layered tree, with how many universes each output has
  lc dag --mermaid --tasks        every task, for a README or a notebook
  lc dag --json | jq '.tasks | length'
`;

const write = (s: string) => {
  process.stdout.write(s);
};

export const command: Command = {
  name: 'dag',
  summary: 'show the task DAG (tree, --json, --dot, --mermaid)',
  usage: USAGE,
  run: async (args, g) => {
    const { values, positionals } = parseCommandArgs('dag', args, {
      ...SELECT_OPTIONS,
      json: { type: 'boolean' },
      dot: { type: 'boolean' },
      mermaid: { type: 'boolean' },
      tasks: { type: 'boolean' },
      ascii: { type: 'boolean' },
    });
    const formats = (['json', 'dot', 'mermaid'] as const).filter((f) => values[f]);
    if (formats.length > 1) {
      throw new LcError('USAGE', `lc dag: choose one of --json, --dot, --mermaid (got ${formats.map((f) => `--${f}`).join(' ')})`);
    }
    if (values.tasks && formats[0] !== 'dot' && formats[0] !== 'mermaid') {
      throw new LcError('USAGE', 'lc dag: --tasks goes with --dot or --mermaid (--json always lists tasks)');
    }
    const universes = values.universe ?? [];
    // The whole DAG, so keys and execution groups are the same whatever -u says; -u filters.
    const ctx = await openFullProject(g);
    const p = paint(g.color);
    for (const w of ctx.warnings) process.stderr.write(formatDiagnostic(w, g.cwd, p) + '\n');

    const selected = selectTasks(ctx.dag, positionals, universes);
    if (!selected.ok) throw selected.error;
    let tasks = selected.value;
    if (positionals.length > 0) {
      const keep = upstreamClosure(ctx.dag, tasks.map((t) => t.id));
      tasks = ctx.dag.tasks.filter((t) => keep.has(t.id));
    }

    if (formats[0] === 'json') {
      writeDagJson(tasks, write);
      return 0;
    }
    const name = ctx.project.name;
    if (values.tasks && formats[0] === 'dot') {
      write(renderTaskDot(tasks, name));
      return 0;
    }
    if (values.tasks && formats[0] === 'mermaid') {
      write(renderTaskMermaid(tasks));
      return 0;
    }
    const graph = outputGraph(ctx.spec, ctx.dag, tasks, positionals.length === 0);
    if (formats[0] === 'dot') write(renderDagDot(graph, name));
    else if (formats[0] === 'mermaid') write(renderDagMermaid(graph));
    else write(renderDagText(graph, { paint: p, name, ascii: Boolean(values.ascii) }));
    return 0;
  },
};
