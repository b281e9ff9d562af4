/**
 * `lc dag` text view: outputs grouped by layer as a tree, each with its universe count and
 * execution groups, its inputs as children, and a footer with the totals and what dedup saves.
 *
 *   layer 0
 *   └─ cleaned  4 universes, 2 groups
 *      └─ ◂ points  data/points.csv
 */
import type { Paint } from '../color.js';
import { plural, type GraphOutput, type OutputGraph } from './dag-graph.js';

export interface TextOptions {
  /** Plain ASCII connectors for terminals/fonts without box drawing. */
  ascii?: boolean;
  paint: Paint;
  /** Project display name for the header. */
  name: string;
}

const UNICODE = { mid: '├─ ', last: '└─ ', bar: '│  ', gap: '   ', from: '◂ ', dot: ' · ' };
const ASCII = { mid: '|- ', last: '`- ', bar: '|  ', gap: '   ', from: '<- ', dot: ', ' };


function outputSummary(o: GraphOutput, g: OutputGraph, p: Paint): string {
  if (o.tasks === 0) return p.yellow('active in no selected universe');
  const parts = [o.tasks === g.universeCount ? plural(o.tasks, 'universe') : `${o.tasks.toLocaleString('en-US')} of ${plural(g.universeCount, 'universe')}`];
  if (o.groups < o.tasks) parts.push(p.cyan(plural(o.groups, 'group')));
  return p.dim(parts.join(', '));
}

export function renderDagText(g: OutputGraph, opts: TextOptions): string {
  const c = opts.ascii ? ASCII : UNICODE;
  const p = opts.paint;
  const lines: string[] = [];
  const layers = new Map<number, GraphOutput[]>();
  for (const o of g.outputs) {
    const list = layers.get(o.layer);
    if (list) list.push(o);
    else layers.set(o.layer, [o]);
  }
  lines.push(`${p.bold(opts.name)}${p.dim(`${c.dot}${plural(g.outputs.length, 'output')} in ${plural(layers.size, 'layer')}`)}`);
  for (const [layer, outs] of [...layers].sort((a, b) => a[0] - b[0])) {
    lines.push(p.dim(`layer ${layer}`));
    outs.forEach((o, i) => {
      const lastOut = i === outs.length - 1;
      lines.push(`${lastOut ? c.last : c.mid}${p.bold(o.qid)}  ${outputSummary(o, g, p)}`);
      const indent = lastOut ? c.gap : c.bar;
      o.inputs.forEach((inp, j) => {
        const lastIn = j === o.inputs.length - 1;
        const name = inp.localId === inp.ref ? inp.ref : `${inp.localId} = ${inp.ref}`;
        let detail = '';
        if (inp.kind === 'external') detail = inp.source !== undefined ? `  ${p.dim(inp.source)}` : `  ${p.dim('(external)')}`;
        if (inp.kind === 'manual') detail = `  ${p.dim('(no recipe: made by hand)')}`;
        lines.push(`${indent}${lastIn ? c.last : c.mid}${c.from}${inp.kind === 'output' ? name : p.blue(name)}${detail}`);
      });
    });
  }
  const saved = g.tasks - g.groups;
  const footer = [
    plural(g.tasks, 'task'),
    plural(g.shownUniverses, 'universe'),
    `${plural(g.groups, 'execution group')}${saved > 0 ? ` (${plural(saved, 'task')} saved by dedup)` : ''}`,
  ].join(c.dot);
  lines.push('', footer);
  return lines.join('\n') + '\n';
}
