/**
 * What a task IS, as recorded in its manifest and recomputed by status: recipe template,
 * container, scoped decisions and the scripts the recipe calls, hashed into `code_version`.
 *
 *   code_version = "sha256:" + sha256(python-canonical JSON of
 *                    {recipe, container_image: <resolved container or null>, decisions,
 *                     scripts: {path: sha256}   <- only when the recipe calls scripts})
 *
 * Without scripts this is exactly Lightcone's formula, so a script-free recipe has the same
 * code_version in both tools. `git_sha` is recorded, never hashed: a new commit must not make
 * everything stale.
 */
import { createHash } from 'node:crypto';
import type { EngineContext } from '../context.js';
import type { Task } from '../dag/task.js';
import { pythonCanonicalJson } from './canonical-json.js';
import { resolveContainer, type ContainerIdentity } from './container.js';
import { ScriptScan } from './scripts.js';

export interface CodeMaterial {
  recipe: string;
  /** Resolved container (see container.ts), or null. */
  container: string | null;
  decisions: Record<string, string>;
  scripts: Record<string, string>;
}

export function codeVersion(m: CodeMaterial): string {
  const doc: Record<string, unknown> = { recipe: m.recipe, container_image: m.container, decisions: m.decisions };
  if (Object.keys(m.scripts).length > 0) doc.scripts = m.scripts;
  return 'sha256:' + createHash('sha256').update(pythonCanonicalJson(doc), 'utf8').digest('hex');
}

export interface TaskDefinition {
  container: ContainerIdentity;
  scripts: Record<string, string>;
}

/**
 * Resolves definitions for many tasks in one pass (one status call, one run). Container specs
 * and script files are looked up once per scan; file hashes are cached per process.
 */
export class DefinitionScan {
  private readonly ctx: EngineContext;
  private readonly scripts: ScriptScan;
  private readonly containers = new Map<string, ContainerIdentity>();

  constructor(ctx: EngineContext) {
    this.ctx = ctx;
    this.scripts = new ScriptScan(ctx.root);
  }

  container(task: Task): ContainerIdentity {
    const memoKey = `${task.output}\u0000${task.container ?? ''}`;
    let c = this.containers.get(memoKey);
    if (!c) {
      c = resolveContainer(this.ctx, task);
      this.containers.set(memoKey, c);
    }
    return c;
  }

  scriptsOf(task: Task): Record<string, string> {
    return this.scripts.scripts(task.template, task.inputs);
  }

  definition(task: Task): TaskDefinition {
    return { container: this.container(task), scripts: this.scriptsOf(task) };
  }
}
