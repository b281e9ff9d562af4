/**
 * Which of a session's queues a task goes to: the first listed whose node shape (cpus, memory,
 * GPUs per node) holds it, so a task a cpu queue listed first can hold never takes a GPU node.
 * Workers of a queue advertise the Dask resource `lc-queue-<name>` and a task asks for one unit
 * of its queue's: Dask then places it on that queue's workers only, wherever it is retried.
 */
import type { Resources } from '../astra/model.js';
import type { PilotQueue } from '../scheduler/meta.js';

/** The resource a queue's workers advertise (python/lc_dask_launch.py, in a quantity no task list exhausts). */
export const queueResource = (name: string): `lc-queue-${string}` => `lc-queue-${name}`;

export function routeTask(r: Pick<Resources, 'cpus' | 'memoryBytes' | 'gpus'>, queues: readonly PilotQueue[]): PilotQueue | undefined {
  return queues.find((q) => r.cpus <= q.cpus + 1e-9 && (r.memoryBytes ?? 0) <= (q.memoryBytes ?? Number.MAX_SAFE_INTEGER) && r.gpus <= q.gpus);
}
