/**
 * `lc validate [--json] [--explain]`: check astra.yaml (with its sub-analyses), every universe
 * file, and the task DAG they make. Prints every problem as `file:line:col CODE message`;
 * exits 0 when there are no errors (warnings are printed), 1 otherwise.
 *
 * --explain adds what each code means, and for universes that miss a choice, what the
 * decision's default would have been (lc never applies defaults), plus a complete universe
 * built from the defaults to copy from.
 */
import { projectInfo } from '../../engine/astra/info.js';
import { preflightDiagnostics, specProblems } from '../../engine/runner/preflight.js';
import { relative } from 'node:path';
import { buildDag } from '../../engine/dag/index.js';
import { hasErrors, LcError, type Diagnostic } from '../../engine/errors.js';
import { CODE_EXPLANATIONS } from '../../engine/astra/codes.js';
import { defaultChoices, defaultUniverseDoc, loadProject } from '../../engine/astra/index.js';
import type { Project } from '../../engine/astra/model.js';
import { parseCommandArgs } from '../args.js';
import { paint, type Paint } from '../color.js';
import { diagnosticJson, formatDiagnostic } from '../diagnostics.js';
import { findProjectRoot } from '../project-root.js';
import type { Command } from './command.js';

const USAGE = `Usage: lc validate [--json] [--explain]

Validate astra.yaml (and its sub-analyses), every universe file, and the task DAG.
Every problem is printed as  file:line:col CODE message  (with the YAML path and a hint).
Exit status: 0 when valid (warnings are printed), 1 when there is any error.

Options:
  --json      {"schema":1,"valid":bool,"errors":[...],"warnings":[...]}
  --explain   also say what each code means and, for universes missing a choice,
              what the default would have been (lc never fills in defaults)
  --no-color  no ANSI colour

Examples:
  lc validate                     every problem as file:line:col CODE message
  lc validate --explain           what each code means, and what defaults would have chosen
`;

interface MissingDefault {
  universe: string;
  file: string;
  decision: string;
  /** The default option, or null when the decision has none. */
  default: string | null;
}

function missingDefaults(project: Project): MissingDefault[] {
  const out: MissingDefault[] = [];
  if (!project.universes.some((u) => u.missing?.length)) return out;
  const defaults = new Map<string, string>();
  for (const d of project.decisions.values()) if (d.default !== undefined) defaults.set(d.qid, d.default);
  for (const u of project.universes) {
    for (const qid of u.missing ?? []) out.push({ universe: u.id, file: u.file, decision: qid, default: defaults.get(qid) ?? null });
  }
  return out;
}

async function defaultUniverseText(project: Project): Promise<string> {
  const { stringify } = await import('yaml');
  return stringify(defaultUniverseDoc(project));
}

function explainText(ds: readonly Diagnostic[], project: Project | undefined, cwd: string, p: Paint, universeYaml: string | undefined): string {
  const lines: string[] = [];
  const codes = [...new Set(ds.map((d) => d.code))].sort();
  if (codes.length > 0) {
    lines.push('', p.bold('What the codes mean:'));
    for (const c of codes) lines.push(`  ${c}: ${CODE_EXPLANATIONS[c] ?? 'see the message'}`);
  }
  if (project) {
    const missing = missingDefaults(project);
    if (missing.length > 0) {
      lines.push('', p.bold('Defaults of the decisions universes leave out (lc never applies them):'));
      for (const m of missing) {
        const where = relative(cwd, m.file) || m.file;
        lines.push(`  ${where}: ${m.decision} ${m.default === null ? 'has no default' : `would default to ${m.default}`}`);
      }
    }
    const { withoutDefault } = defaultChoices(project);
    if (universeYaml !== undefined) {
      lines.push('', p.bold('A complete universe from the defaults (universes/baseline.yaml):'));
      lines.push(...universeYaml.trimEnd().split('\n').map((l) => `  ${l}`));
      if (withoutDefault.length > 0) lines.push(`  # no default for: ${withoutDefault.join(', ')} (choose them yourself)`);
    }
  }
  return lines.join('\n');
}

function summary(errors: number, warnings: number, project: Project | undefined, p: Paint): string {
  const plural = (n: number, w: string) => `${n} ${n === 1 ? w : w === 'sub-analysis' ? 'sub-analyses' : `${w}s`}`;
  if (errors > 0) return p.red(`invalid: ${plural(errors, 'error')}${warnings ? `, ${plural(warnings, 'warning')}` : ''}`);
  const subs = project ? project.nodes.size - 1 : 0;
  const what = project ? `${project.name}: ${subs > 0 ? `${plural(subs, 'sub-analysis')}, ` : ''}${plural(project.universes.length, 'universe')}` : '';
  return p.green(`valid${what ? ` (${what})` : ''}`) + (warnings ? `, ${plural(warnings, 'warning')}` : '');
}

export const command: Command = {
  name: 'validate',
  summary: 'validate astra.yaml and every universe; all errors as file:line:col CODE message',
  usage: USAGE,
  run: async (args, g) => {
    const { values, positionals } = parseCommandArgs('validate', args, {
      json: { type: 'boolean' },
      explain: { type: 'boolean' },
      'no-color': { type: 'boolean' },
      color: { type: 'boolean' },
    });
    if (positionals.length > 0) throw new LcError('USAGE', `lc validate takes no arguments (got ${positionals.join(' ')})`, { hint: 'use -C DIR to validate another project' });
    const root = findProjectRoot(g.cwd, g.projectDir);
    const loaded = await loadProject(root);
    let diagnostics = loaded.diagnostics;
    // A spec can be valid on its own and still make no DAG (outputs that need each other
    // across sub-analyses, an active output fed by an inactive one): run uses the DAG, so check it.
    if (loaded.project && !hasErrors(diagnostics)) {
      const built = buildDag(loaded.project);
      diagnostics = [...diagnostics, ...built.diagnostics];
      // Files the recipes need that are not there: every task using them would fail. Warnings
      // here (they may be fetched before a run); lc run refuses to start while they are missing.
      if (built.dag) diagnostics.push(...preflightDiagnostics(specProblems(root, projectInfo(loaded.project), built.dag.tasks), 'warning'));
    }
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const warnings = diagnostics.filter((d) => d.severity === 'warning');
    const project = loaded.project;
    const universeYaml = values.explain && project ? await defaultUniverseText(project) : undefined;

    if (values.json) {
      const out: Record<string, unknown> = {
        schema: 1,
        valid: errors.length === 0,
        errors: errors.map((d) => diagnosticJson(d, g.cwd)),
        warnings: warnings.map((d) => diagnosticJson(d, g.cwd)),
      };
      if (values.explain) {
        const codes = [...new Set(diagnostics.map((d) => d.code))].sort();
        out.explain = {
          codes: Object.fromEntries(codes.map((c) => [c, CODE_EXPLANATIONS[c] ?? null])),
          missing_defaults: project ? missingDefaults(project).map((m) => ({ ...m, file: relative(g.cwd, m.file) || m.file })) : [],
          default_universe: project ? defaultUniverseDoc(project) : null,
        };
      }
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      return errors.length > 0 ? 1 : 0;
    }

    const p = paint(g.color);
    const text: string[] = diagnostics.map((d) => formatDiagnostic(d, g.cwd, p));
    if (values.explain) text.push(explainText(diagnostics, project, g.cwd, p, universeYaml));
    text.push(summary(errors.length, warnings.length, project, p));
    process.stdout.write(text.join('\n') + '\n');
    return errors.length > 0 ? 1 : 0;
  },
};
