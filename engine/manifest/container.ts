/**
 * The container a task runs in, as it enters code_version.
 *
 * An image reference (`python:3.12-slim`, `ghcr.io/x/y@sha256:...`) is its own identity. A spec
 * naming a file in the project (a Containerfile/Dockerfile) resolves to `<path>@sha256:<hex>`:
 * the hash of the Containerfile alone when it copies nothing, else of the Containerfile, its
 * ignore file and every context file its COPY/ADD sources name (engine/containers/context.ts),
 * so editing a copied source makes its outputs stale and status names the file. Only what the
 * build can see is read, never the whole context (Lightcone's worst bug, #166, #216).
 */
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { cachedFileHash } from '../hash/file-hash.js';
import { buildIdentity, type BuildInputs } from '../containers/context.js';
import { parseContainerKey } from '../containers/spec.js';
import type { EngineContext } from '../context.js';
import type { Task } from '../dag/task.js';

const MAX_CONTAINERFILE_BYTES = 1024 * 1024;

export interface ContainerIdentity {
  /** The raw spec as declared, or null. */
  raw: string | null;
  /** What code_version hashes. */
  resolved: string | null;
  /** For a built image: project-relative path -> sha256 of every file its identity covers. */
  files?: Record<string, string>;
  /** For a built image: the content-addressed tag lc builds it under (`lc-<name>-<12 hex>`). */
  tag?: string;
  /** For a built image: the Containerfile, context, files and args of the build. */
  build?: BuildInputs;
  /** The object form's `build:` file when it does not exist (a string naming no file is a reference). */
  missing?: string;
  /** An image reference (not a file in the project): what it names is pulled, not built. */
  reference?: true;
}

export function resolveContainer(ctx: EngineContext, task: Task): ContainerIdentity {
  const raw = task.container ?? null;
  if (raw === null) return { raw, resolved: null };
  const spec = parseContainerKey(raw);
  const file = typeof spec === 'string' ? spec : spec.build;
  if (isAbsolute(file)) return { raw, resolved: raw };
  const base = specDir(ctx, task);
  // the declaring file's directory first; the project root as Lightcone resolved them
  for (const dir of base === ctx.root ? [ctx.root] : [base, ctx.root]) {
    const abs = join(dir, file);
    const hash = cachedFileHash(abs, MAX_CONTAINERFILE_BYTES);
    if (hash === null) continue;
    const path = relative(ctx.root, abs).split(sep).join('/');
    const opts = typeof spec === 'string' ? {} : { ...(spec.context != null ? { context: resolve(dir, spec.context) } : {}), ...(spec.args ? { args: spec.args } : {}) };
    const built = buildIdentity(abs, ctx.root, opts);
    if (!built) continue;
    // A Containerfile that copies nothing, built without args, keeps the identity it always had: its own hash.
    const alone = Object.keys(built.files).length === 1 && Object.keys(built.build.args).length === 0 && typeof spec === 'string';
    return { raw, resolved: `${path}@${alone ? hash : built.digest}`, files: built.files, tag: built.tag, build: built.build };
  }
  return typeof spec === 'string' ? { raw, resolved: raw, reference: true } : { raw, resolved: raw, missing: file };
}

/** Directory of the astra.yaml that declared the task's output (container paths are relative to it). */
function specDir(ctx: EngineContext, task: Task): string {
  return ctx.project?.outputSpecDirs?.get(task.output) ?? ctx.root;
}
