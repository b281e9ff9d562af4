/**
 * The container a task runs in, as it enters code_version.
 *
 * An image reference (`python:3.12-slim`, `ghcr.io/x/y@sha256:...`) is its own identity. A spec
 * naming a file in the project (a Containerfile/Dockerfile) resolves to `<path>@sha256:<hash of
 * that file>`, so editing the Containerfile makes its outputs stale and status names it. Files
 * the Containerfile COPYs are deliberately not hashed: hashing a whole build context on every
 * status was Lightcone's worst performance bug (#166, #216); scripts the recipe calls are
 * hashed separately (scripts.ts).
 */
import { isAbsolute, join, relative, sep } from 'node:path';
import { cachedFileHash } from '../hash/file-hash.js';
import type { EngineContext } from '../context.js';
import type { Task } from '../dag/task.js';

const MAX_CONTAINERFILE_BYTES = 1024 * 1024;

export interface ContainerIdentity {
  /** The raw spec as declared, or null. */
  raw: string | null;
  /** What code_version hashes. */
  resolved: string | null;
}

export function resolveContainer(ctx: EngineContext, task: Task): ContainerIdentity {
  const raw = task.container ?? null;
  if (raw === null) return { raw, resolved: null };
  if (isAbsolute(raw)) return { raw, resolved: raw };
  const base = specDir(ctx, task);
  for (const dir of base === ctx.root ? [ctx.root] : [base, ctx.root]) {
    const abs = join(dir, raw);
    const hash = cachedFileHash(abs, MAX_CONTAINERFILE_BYTES);
    if (hash !== null) return { raw, resolved: `${relative(ctx.root, abs).split(sep).join('/')}@${hash}` };
  }
  return { raw, resolved: raw };
}

/** Directory of the astra.yaml that declared the task's output (container paths are relative to it). */
function specDir(ctx: EngineContext, task: Task): string {
  return ctx.project?.outputSpecDirs?.get(task.output) ?? ctx.root;
}
