/**
 * `lc results [OUTPUT...] [-u U]... [--json | --csv]`: the values of metric outputs across
 * universes, side by side with the choices they depend on and their state (engine/results/).
 */
import { LcError } from '../../engine/errors.js';
import { writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { resultsTable, type ResultsTable } from '../../engine/results/table.js';
import { computeStatus } from '../../engine/status/index.js';
import { parseCommandArgs, SELECT_OPTIONS } from '../args.js';
import { paint } from '../color.js';
import { openProject } from '../project-context.js';
import { resultsCsv, resultsJson, resultsText } from '../render/results.js';
import { didYouMean } from '../suggest.js';
import type { Command } from './command.js';

const USAGE = `Usage: lc results [OUTPUT...] [-u UNIVERSE]... [--json | --csv] [--plot FILE.svg|.png|.html [--metric M]]

The multiverse of results: for each metric output (default: every output of type metric), one
row per universe with the choices its value depends on (the decisions of its task and of every
task upstream of it), its value(s) and its state. A value of an output that is not ok is dimmed
and left out of the summary: per metric its range and median across ok universes, and which
decision moves it most (the spread of the medians of its options).

Values are read from the output directory: its one file (or metrics.json / value.json among
several); a JSON number, string or boolean, {"value": x}, or a flat object of such values (named
metrics), or a file of one line (a number, else a category). Anything else is reported with the
file and why.

Options:
  -u, --universe U  only these universes (repeatable)
  --json            {"schema":1,"outputs":[{"output","decisions","metrics","rows","summary"}]}
                    (schemas/lc-results.schema.json)
  --csv             one row per output and universe: output, universe, state, the decisions,
                    the metrics, problem
  --plot FILE       the specification curve of one output's metric: values sorted (values
                    of outputs that are not ok in grey) over a dot matrix of each universe's
                    choices; FILE.svg, FILE.png, or FILE.html (a page holding the SVG, offline)
  --metric M        which metric to plot (default: value, else the output's first number)
  --no-color        no ANSI colour

Examples:
  lc results                      every metric output
  lc results fit --csv > fit.csv  for a notebook
  lc results fit -u baseline -u robust
  lc results fit --plot fit.svg --metric slope
`;

export const command: Command = {
  name: 'results',
  summary: 'metric values across universes, with the choices they depend on',
  usage: USAGE,
  run: async (args, g) => {
    const { values, positionals } = parseCommandArgs('results', args, {
      ...SELECT_OPTIONS,
      json: { type: 'boolean' },
      csv: { type: 'boolean' },
      plot: { type: 'string' },
      metric: { type: 'string' },
    });
    if (values.json && values.csv) throw new LcError('USAGE', 'lc results: choose one of --json and --csv');
    const universes = values.universe ?? [];
    const ctx = await openProject(g, universes.length > 0 ? { universes } : {});
    const types = new Map(ctx.dag.tasks.map((t) => [t.output, t.type]));
    const metricOutputs = ctx.dag.outputs.filter((o) => types.get(o) === 'metric');
    for (const o of positionals) {
      if (!types.has(o)) throw new LcError('UNKNOWN_OUTPUT', `lc results: no output '${o}' with tasks${didYouMean(o, ctx.dag.outputs)}`, { hint: `metric outputs: ${metricOutputs.join(', ') || 'none'}` });
      if (types.get(o) !== 'metric') throw new LcError('USAGE', `lc results: ${o} is of type ${types.get(o)}, not metric: it has no value to compare`, { hint: `metric outputs: ${metricOutputs.join(', ') || 'none'}` });
    }
    const outputs = positionals.length > 0 ? positionals : metricOutputs;
    const tasks = ctx.dag.tasks.filter((t) => outputs.includes(t.output));
    const statuses = new Map((await computeStatus(ctx, tasks)).map((s) => [s.id, s]));
    const tables = outputs.map((o) => resultsTable(ctx, o, statuses));
    if (values.plot !== undefined) return plot(tables, values.plot, values.metric, g.cwd);
    if (values.json) process.stdout.write(resultsJson(tables));
    else if (values.csv) process.stdout.write(resultsCsv(tables));
    else if (tables.length === 0) process.stdout.write('no output of type metric: nothing to compare (ASTRA: type: metric)\n');
    else process.stdout.write(resultsText(tables, paint(g.color)));
    return 0;
  },
};

/** `--plot FILE`: the specification curve of one output's metric, as SVG or an HTML page. */
async function plot(tables: ResultsTable[], file: string, metricAsked: string | undefined, cwd: string): Promise<number> {
  const kind = /\.(svg|png|html?)$/i.exec(file)?.[1]?.toLowerCase();
  if (!kind) throw new LcError('USAGE', `lc results --plot: ${file}: name an .svg, .png or .html file`);
  if (tables.length !== 1) throw new LcError('USAGE', `lc results --plot: name one output to plot (${tables.map((t) => t.output).join(', ') || 'none'})`);
  const t = tables[0] as ResultsTable;
  const numeric = t.metrics.filter((m) => t.rows.some((r) => typeof r.values?.[m] === 'number'));
  const metric = metricAsked ?? (numeric.includes('value') ? 'value' : numeric[0]);
  if (metric === undefined || !numeric.includes(metric))
    throw new LcError('USAGE', `lc results --plot: ${metric === undefined ? `${t.output} has no numeric metric` : `no numeric metric '${metric}' in ${t.output}${didYouMean(metric, numeric)}`}`, { hint: `numeric metrics: ${numeric.join(', ') || 'none'}` });
  const { specCurveHtml, specCurvePng, specCurveSvg } = await import('../render/spec-curve.js');
  const svg = await specCurveSvg(t, metric);
  const path = resolve(cwd, file);
  writeFileSync(path, kind === 'svg' ? svg : kind === 'png' ? await specCurvePng(svg) : specCurveHtml(svg, `${t.output}: ${metric}`));
  process.stdout.write(`wrote ${relative(cwd, path) || path}: ${t.output}'s ${metric} across ${t.rows.length} universes\n`);
  return 0;
}
