/**
 * verifyTasks on a context, run by user `nobody` in a child process from the built dist/, so
 * permission errors are real (root reads everything). The project root must be readable by all.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { EngineContext } from '../../engine/context.js';
import type { VerifyOptions, VerifyResult } from '../../engine/verify/types.js';
import { runAsNobody } from '../helpers/lc.js';

export function verifyAsNobody(ctx: EngineContext, opts: VerifyOptions): VerifyResult[] {
  const dist = join(__dirname, '..', '..', 'dist', 'engine', 'verify', 'index.js');
  expect(existsSync(dist), 'run `npm run build` first').toBe(true);
  const script = `
      const { verifyTasks } = await import(${JSON.stringify(dist)});
      const c = JSON.parse(process.argv[1]);
      c.dag.byId = new Map(c.dag.tasks.map((t) => [t.id, t]));
      console.log(JSON.stringify(await verifyTasks(c, c.dag.tasks, ${JSON.stringify(opts)})));`;
  const payload = JSON.stringify({ root: ctx.root, scratch: ctx.scratch, dag: { tasks: ctx.dag.tasks } });
  return JSON.parse(runAsNobody(script, payload)) as VerifyResult[];
}
