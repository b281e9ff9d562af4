/**
 * `lc dag --json`: `{"schema":1,"tasks":[{id, universe, output, key, group, deps, command,
 * outdir, resources}]}` in topological order (resources: cpus, gpus, memory_bytes, time_limit_s,
 * disk_bytes). Written in chunks so 100,000 tasks never sit in
 * memory as one 40 MB string.
 */
import type { Task } from '../../engine/dag/task.js';
import { snakeKeys } from './json-keys.js';

export const DAG_JSON_SCHEMA = 1;

const CHUNK = 2000;

/**
 * One task's object, written field by field: the same text JSON.stringify gives for the object
 * with these keys in this order (test/dag/views.test.ts holds them equal), without building
 * that object per task. Tasks of one output share their resources object, so its snake_case
 * JSON is made once per output. At 100,000 tasks this halved the writing.
 */
function taskJson(t: Task, resources: string): string {
  const q = JSON.stringify;
  return (
    `{"id":${q(t.id)},"universe":${q(t.universe)},"output":${q(t.output)},"key":${q(t.key)},"group":${q(t.group)},` +
    `"deps":${q(t.deps)},"command":${q(t.command)},"outdir":${q(t.outdir)},"resources":${resources}}`
  );
}

export function writeDagJson(tasks: readonly Task[], write: (s: string) => void): void {
  const resourcesJson = new Map<Task['resources'], string>();
  let buf = `{"schema":${DAG_JSON_SCHEMA},"tasks":[`;
  for (let i = 0; i < tasks.length; i++) {
    const t = tasks[i] as Task;
    let resources = resourcesJson.get(t.resources);
    if (resources === undefined) {
      resources = JSON.stringify(snakeKeys(t.resources));
      resourcesJson.set(t.resources, resources);
    }
    buf += (i > 0 ? ',' : '') + taskJson(t, resources);
    if (i % CHUNK === CHUNK - 1) {
      write(buf);
      buf = '';
    }
  }
  write(buf + ']}\n');
}
