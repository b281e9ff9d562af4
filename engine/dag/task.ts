/**
 * The task DAG: one task per (universe, output with a recipe) that is active in that universe.
 * Edges never cross universes.
 */
import type { OutputType, Resources } from '../astra/model.js';

/** One resolved input of a task, in `Output.inputs` order. */
export type TaskInput =
  | {
      kind: 'task';
      /** The entry as written in `Output.inputs`. */
      localId: string;
      /** Id of the upstream task (same universe). */
      task: string;
      /** Project-relative POSIX path of the upstream output dir. */
      path: string;
    }
  | {
      /**
       * An external input (`source:`/`ref:`), or an output without a recipe (declared, made by
       * hand): then `inputQid` is that output's qid and `path` its output dir in this universe.
       */
      kind: 'external';
      localId: string;
      /** Qid of the concrete input declaration (or of the recipe-less output). */
      inputQid: string;
      /** The `source:` locator as written, if any. */
      source?: string;
      /** Project-relative POSIX path when the source is a file/dir inside the project, else undefined. */
      path?: string;
    };

export interface Task {
  /** `<universe>/<qualified output>`, e.g. `baseline/classification.accuracy`. */
  id: string;
  universe: string;
  /** Qualified output id. */
  output: string;
  type: OutputType;
  /**
   * Content hash (`sha256:<hex>`) of the computation: qualified output, recipe template,
   * container spec, scoped decisions, upstream task keys, external input locators and the
   * resources that change results. Equal keys across universes mean the same computation.
   */
  key: string;
  /** Id of the execution group's leader: the first task (in task order) with the same key. */
  group: string;
  /** Upstream task ids (same universe), in input order, deduplicated. */
  deps: string[];
  /** Rendered shell command (paths relative to the project root; values shell-quoted). */
  command: string;
  /** Recipe template as written. */
  template: string;
  /** Raw container spec (recipe's, else its node's), if any. */
  container?: string;
  /** Project-relative POSIX path of the output directory. */
  outdir: string;
  resources: Resources;
  /** Scoped decisions: local decision id (as listed in `Output.decisions`) -> chosen option id. */
  decisions: Record<string, string>;
  inputs: TaskInput[];
}

export interface Dag {
  /** Absolute project root; every relative path in tasks is relative to it. */
  root: string;
  /** Tasks in a stable topological order (dependencies before dependents). */
  tasks: Task[];
  byId: Map<string, Task>;
  /** Reverse edges: task id -> ids of tasks that depend on it. */
  dependents: Map<string, string[]>;
  /** Universe ids included, sorted. */
  universes: string[];
  /** Qualified ids of outputs with a recipe, in layered dependency order. */
  outputs: string[];
  /**
   * Layer of each output in `outputs`: 0 when it consumes no output, else 1 + the highest layer
   * it consumes. Optional so hand-built Dags in tests stay small; buildDag always sets it.
   */
  layer?: Map<string, number>;
  /** Re-exported output qid -> qid of the output producing its bytes (targets may name either). */
  reexports?: Map<string, string>;
  /** Qids of real outputs without a recipe (declared, made by hand): valid names, but no tasks. */
  withoutRecipe?: Set<string>;
}
