/**
 * The spec reader's public API.
 *
 *   loadProject(root)     astra.yaml (+ path-rooted sub-analyses) + universes/*.y(a)ml -> Project,
 *                         with every diagnostic (structure, semantics, universes), sorted by place.
 *   defaultChoices(p)     what the decision defaults would choose (never applied by lc itself;
 *                         `lc validate --explain` shows it for universes that miss a choice).
 *   checkDocumentText     one standalone Analysis / Universe / Insight document (structure only).
 */
import { defaultChoicesOf, universeDocOf, type DefaultChoices } from './defaults.js';
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Diagnostic } from '../errors.js';
import { errorMessage, hasErrors } from '../errors.js';
import { compile } from './choices.js';
import { checkDocumentText } from './document.js';
import { SpecDeps } from './deps.js';
import { loadTree } from './load.js';
import type { AnalysisNode, DecisionDecl, Project } from './model.js';
import { resolveOutputs } from './resolve.js';
import { resolveAliases } from './semantic/aliases.js';
import { allNodes, Findings } from './semantic/context.js';
import { checkDecisions } from './semantic/decisions.js';
import { checkFields } from './semantic/fields.js';
import { checkOutputs } from './semantic/outputs.js';
import { UNIVERSES_DIR, UniverseResolver, universeFiles } from './universes.js';

export { checkDocumentText } from './document.js';
export type { DocKind } from './ids.js';
export { parseDuration, parseSize } from './resources.js';

export interface LoadResult {
  project: Project | undefined;
  diagnostics: Diagnostic[];
  /** The files, directory listings and paths this load depended on (see engine/dag/snapshot.ts). */
  deps: SpecDeps;
}

/** Diagnostics in reading order: by file, then line, then column (stable otherwise). */
export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return ds
    .map((d, i) => ({ d, i }))
    .sort((a, b) => {
      const fa = a.d.file ?? '';
      const fb = b.d.file ?? '';
      if (fa !== fb) return fa < fb ? -1 : 1;
      return (a.d.line ?? 0) - (b.d.line ?? 0) || (a.d.col ?? 0) - (b.d.col ?? 0) || a.i - b.i;
    })
    .map((x) => x.d);
}

/** When the tree cannot be built, universe files are still checked on their own (structure). */
async function checkUniverseStructure(root: string): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  for (const file of universeFiles(join(root, UNIVERSES_DIR))) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      out.push({ code: 'READ_FAILED', severity: 'error', message: `${file} cannot be read (${errorMessage(e)})`, file });
      continue;
    }
    out.push(...(await checkDocumentText('universe', text, file)).diagnostics);
  }
  return out;
}

export async function loadProject(rootDir: string): Promise<LoadResult> {
  const root = resolve(rootDir);
  const deps = new SpecDeps();
  const loaded = await loadTree(root, deps);
  const diagnostics = [...loaded.diagnostics];
  const tree = loaded.tree;
  if (!tree) {
    diagnostics.push(...(await checkUniverseStructure(root)));
    return { project: undefined, diagnostics: sortDiagnostics(diagnostics), deps };
  }

  const f = new Findings();
  checkFields(tree, f);
  const aliases = resolveAliases(tree, f);
  checkDecisions(tree, aliases, f);
  const entries = checkOutputs(tree, f);
  diagnostics.push(...f.list);
  // Resource and structure errors found while building (loaded.diagnostics) gate like semantic ones.
  if (hasErrors(f.list) || hasErrors(loaded.diagnostics)) {
    diagnostics.push(...(await checkUniverseStructure(root)));
    return { project: undefined, diagnostics: sortDiagnostics(diagnostics), deps };
  }

  const nodes = new Map<string, AnalysisNode>();
  const decisions = new Map<string, DecisionDecl>();
  for (const src of allNodes(tree)) {
    nodes.set(src.node.qid, src.node);
    for (const d of src.node.decisions.values()) decisions.set(d.qid, d);
  }
  const outputs = resolveOutputs(tree, aliases, entries, deps);
  const resolver = new UniverseResolver(root, tree.node, deps);
  const universes = await resolver.resolveAll();
  diagnostics.push(...resolver.diagnostics);

  const project: Project = {
    root,
    specFile: join(root, 'astra.yaml'),
    name: tree.node.name ?? (tree.raw.id ? tree.raw.id : basename(root)),
    tree: tree.node,
    nodes,
    outputs,
    decisions,
    universes,
  };
  return { project, diagnostics: sortDiagnostics(diagnostics), deps };
}

export type { DefaultChoices } from './defaults.js';

/**
 * What the defaults would choose, conditions evaluated under the defaults themselves (as
 * `astra universe generate` does). Applied only to a project without universe files.
 */
export function defaultChoices(project: Project): DefaultChoices {
  return defaultChoicesOf(compile(project.tree));
}

/** The default choices as a universe document (root `decisions`, nested `analyses`), for printing. */
export function defaultUniverseDoc(project: Project, id = 'baseline'): Record<string, unknown> {
  const compiled = compile(project.tree);
  const body = universeDocOf(compiled.root, defaultChoicesOf(compiled).choices);
  return { id, description: 'Default configuration using standard practices', ...body };
}
