/**
 * What engine modules need to know about an opened project. `src/project-context.ts`
 * builds a `ProjectContext` with the same shape; engine code takes this type so that it never
 * imports from `src/`.
 */
import type { Dag } from './dag/task.js';
import type { ScratchPaths } from './scratch/paths.js';
import type { ProjectInfo } from './astra/info.js';

export interface EngineContext {
  /** Absolute project root; task paths are relative to it. */
  root: string;
  /** What is needed of the spec beyond the DAG (no spec tree: a project snapshot has none). */
  project: ProjectInfo;
  dag: Dag;
  scratch: ScratchPaths;
}
