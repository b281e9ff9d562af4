/** The task DAG: build it from a Project, select tasks by target, find output directories. */
export { buildDag, type BuildDagOptions } from './build.js';
export { canonicalJson } from './canonical-json.js';
export { TASK_KEY_VERSION, taskKey, type KeyInput, type KeyMaterial } from './key.js';
export { outputDir, outdirPattern, toProjectPath, type OutdirPattern } from './outdir.js';
export { renderCommand, type RenderProblem, type RenderValues } from './render.js';
export { closeNames, resolveOutputName, selectTasks, unknownUniverseError, upstreamClosure } from './select.js';
export type { Dag, Task, TaskInput } from './task.js';
