/**
 * The shared start of every project command: find the project, load and validate the spec,
 * build the DAG, resolve scratch paths. It is on the hot path of every `lc` invocation, so it
 * does only that: no hashing, no directory walks beyond the spec's own files. When nothing the
 * spec load depends on changed since the last one, the DAG comes from the project snapshot
 * (engine/dag/snapshot.ts) instead.
 */
import { unknownUniverseError } from '../engine/dag/select.js';
import { codeIdentity, readSnapshot, writeSnapshot } from '../engine/dag/snapshot.js';
import type { EngineContext } from '../engine/context.js';
import { LcError, type Diagnostic } from '../engine/errors.js';
import { scratchPaths } from '../engine/scratch/paths.js';
import { ensurePrivateScratch } from '../engine/scratch/private.js';
import type { Project } from '../engine/astra/model.js';
import type { GlobalOptions } from './commands/command.js';
import { findProjectRoot } from './project-root.js';
import { slowWork } from './progress.js';

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
  /**
   * A fresh load's snapshot is written before openProject returns, unless this takes the write
   * to call later: the TUI writes it after its first frame (on 5,000 tasks loaded cold that
   * frame came ~90 ms sooner). Not called when the project came from a snapshot.
   */
  deferSnapshot?: (write: () => void) => void;
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
  const scratch = scratchPaths(root);
  ensurePrivateScratch(scratch);
  const universes = opts.universes !== undefined && opts.universes.length > 0 ? opts.universes : undefined;
  // Only the full DAG is kept: with -u, execution groups form within the chosen universes.
  const code = universes ? undefined : codeIdentity();
  const snap = code ? readSnapshot(scratch.cache, root, code) : undefined;
  if (snap) return { root, project: snap.info, dag: snap.dag, scratch, warnings: snap.warnings };

  const startedAt = Date.now();
  const done = slowWork('loading the spec');
  const { ctx, deps } = await loadFresh(root, universes).finally(done);
  if (code) {
    const write = () => void writeSnapshot(scratch.cache, code, { info: ctx.project, dag: ctx.dag, warnings: ctx.warnings }, deps, startedAt);
    if (opts.deferSnapshot) opts.deferSnapshot(write);
    else write();
  }
  return { ...ctx, scratch };
}

/** Like openProject, with the whole loaded spec as well (`lc dag` draws from it); never a snapshot. */
export async function openFullProject(g: GlobalOptions): Promise<ProjectContext & { spec: Project }> {
  const root = findProjectRoot(g.cwd, g.projectDir);
  const scratch = scratchPaths(root);
  ensurePrivateScratch(scratch);
  const { project, ctx } = await loadFresh(root, undefined);
  return { ...ctx, scratch, spec: project };
}

async function loadFresh(root: string, universes: string[] | undefined) {
  // Imported here, not above: a command answered from the snapshot never loads the spec
  // loader or the DAG builder (a tenth of a no-op run's module loading).
  const [{ loadProject }, { projectInfo }, { buildDag }] = await Promise.all([
    import('../engine/astra/index.js'),
    import('../engine/astra/info.js'),
    import('../engine/dag/build.js'),
  ]);
  const loaded = await loadProject(root);
  const project = loaded.project;
  if (!project || loaded.diagnostics.some((d) => d.severity === 'error')) throw invalid(loaded.diagnostics);

  if (universes) {
    const known = project.universes.map((u) => u.id);
    const knownSet = new Set(known);
    for (const u of universes) if (!knownSet.has(u)) throw unknownUniverseError(known, u);
  }
  const built = buildDag(project, universes ? { universes } : {});
  const diagnostics = [...loaded.diagnostics, ...built.diagnostics];
  if (!built.dag || built.diagnostics.some((d) => d.severity === 'error')) throw invalid(diagnostics);
  const ctx = {
    root,
    project: projectInfo(project),
    dag: built.dag,
    warnings: diagnostics.filter((d) => d.severity === 'warning'),
  };
  return { project, ctx, deps: loaded.deps };
}
