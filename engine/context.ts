/**
 * What engine modules need to know about an opened project. `src/project-context.ts`
 * builds a `ProjectContext` with the same shape; engine code takes this type so that it never
 * imports from `src/`.
 */
import type { Dag } from './dag/task.js';
import type { ScratchPaths } from './scratch/paths.js';
import type { Project } from './spec/model.js';

export interface EngineContext {
  /** Absolute project root; task paths are relative to it. */
  root: string;
  project: Project;
  dag: Dag;
  scratch: ScratchPaths;
}
