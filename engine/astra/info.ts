/**
 * ProjectInfo: what the engine and the commands that run, show or verify tasks need of the spec
 * beyond the DAG. A loaded Project gives it (projectInfo), and so does a project snapshot
 * (engine/dag/snapshot.ts), which holds no spec tree.
 */
import { dirname } from 'node:path';
import type { SourceRef } from '../errors.js';
import type { Project } from './model.js';

export interface ProjectInfo {
  /** Display name (`name:` or the root id or the directory name). */
  name: string;
  /** Absolute path of the root astra.yaml. */
  specFile: string;
  /** Every universe id of the spec, sorted (a DAG built with -u holds fewer). */
  universeIds: readonly string[];
  /** Output qid -> directory of the astra.yaml declaring it (container paths are relative to it). */
  outputSpecDirs: ReadonlyMap<string, string>;
  /**
   * Where the spec says things checks before a run point at: `recipe:<output qid>` (its
   * command), `input:<input qid>` (the declaration).
   */
  sourceRefs: ReadonlyMap<string, SourceRef>;
}

export function projectInfo(project: Project): ProjectInfo {
  const outputSpecDirs = new Map<string, string>();
  const sourceRefs = new Map<string, SourceRef>();
  for (const [qid, out] of project.outputs) {
    outputSpecDirs.set(qid, dirname(out.node.file));
    const recipe = out.decl.recipe;
    if (recipe) sourceRefs.set(`recipe:${qid}`, recipe.commandRef ?? recipe.ref);
  }
  for (const node of project.nodes.values()) for (const i of node.inputs) sourceRefs.set(`input:${i.qid}`, i.ref);
  return {
    name: project.name,
    specFile: project.specFile,
    universeIds: project.universes.map((u) => u.id),
    outputSpecDirs,
    sourceRefs,
  };
}
