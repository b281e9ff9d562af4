/**
 * zod schema of Resources (model.ts) for the files that store them as lc holds them: the run
 * journal (task_started) and the project snapshot. Built on first use (see lazy-zod.ts).
 */
import { once, zod } from '../lazy-zod.js';

export const resourcesSchema = once(() => {
  const z = zod();
  return z.object({
    cpus: z.number(),
    memoryBytes: z.number().optional(),
    gpus: z.number(),
    timeLimitS: z.number().optional(),
    diskBytes: z.number().optional(),
  });
});
