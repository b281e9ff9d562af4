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

function taskJson(t: Task): string {
  return JSON.stringify({
    id: t.id,
    universe: t.universe,
    output: t.output,
    key: t.key,
    group: t.group,
    deps: t.deps,
    command: t.command,
    outdir: t.outdir,
    resources: snakeKeys(t.resources),
  });
}

export function writeDagJson(tasks: readonly Task[], write: (s: string) => void): void {
  let buf = `{"schema":${DAG_JSON_SCHEMA},"tasks":[`;
  for (let i = 0; i < tasks.length; i++) {
    buf += (i > 0 ? ',' : '') + taskJson(tasks[i] as Task);
    if (i % CHUNK === CHUNK - 1) {
      write(buf);
      buf = '';
    }
  }
  write(buf + ']}\n');
}
