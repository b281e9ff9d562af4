/**
 * The shared start of every project command: find the project, load and validate the spec,
 * build the DAG, resolve scratch paths. It is on the hot path of every `lc` invocation, so it
 * does only that: no hashing, no directory walks beyond the spec's own files.
 */
import { buildDag } from '../engine/dag/index.js';
import { unknownUniverseError } from '../engine/dag/select.js';
import type { EngineContext } from '../engine/context.js';
import { LcError, type Diagnostic } from '../engine/errors.js';
import { scratchPaths } from '../engine/scratch/paths.js';
import { loadProject } from '../engine/spec/index.js';
import type { GlobalOptions } from './commands/command.js';
import { findProjectRoot } from './project-root.js';

/** What engine modules get (EngineContext: root, project, dag, scratch), plus load warnings. */
export interface ProjectContext extends EngineContext {
  /** Warnings from loading and DAG building (errors throw instead); callers may print them. */
  warnings: Diagnostic[];
}

export interface OpenProjectOptions {
  /**
   * Build tasks for these universes only (fast path for `-u`). Execution groups are then
   * formed within these universes. Unknown ids throw UNKNOWN_UNIVERSE listing the real ones.
   */
  universes?: string[];
}

function invalid(diagnostics: Diagnostic[]): LcError {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const n = errors.length;
  return new LcError('SPEC_INVALID', `the spec has ${n} ${n === 1 ? 'error' : 'errors'}; run lc validate`, {
    diagnostics,
    hint: 'lc validate lists every problem with its file and line',
  });
}

export async function openProject(g: GlobalOptions, opts: OpenProjectOptions = {}): Promise<ProjectContext> {
  const root = findProjectRoot(g.cwd, g.projectDir);
  const loaded = await loadProject(root);
  const project = loaded.project;
  if (!project || loaded.diagnostics.some((d) => d.severity === 'error')) throw invalid(loaded.diagnostics);

  let universes = opts.universes;
  if (universes !== undefined && universes.length > 0) {
    const known = project.universes.map((u) => u.id);
    const knownSet = new Set(known);
    for (const u of universes) if (!knownSet.has(u)) throw unknownUniverseError(known, u);
  } else {
    universes = undefined;
  }
  const built = buildDag(project, universes ? { universes } : {});
  const diagnostics = [...loaded.diagnostics, ...built.diagnostics];
  if (!built.dag || built.diagnostics.some((d) => d.severity === 'error')) throw invalid(diagnostics);
  return {
    root,
    project,
    dag: built.dag,
    scratch: scratchPaths(root),
    warnings: diagnostics.filter((d) => d.severity === 'warning'),
  };
}
